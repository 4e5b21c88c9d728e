import { closedPort, startRedis } from '../kit/servers';
import type { VersionSet } from '../kit/versions';
import type { Flavour } from './redis-kit';
import {
  disabledTests,
  expressTests,
  mainScenarioTests,
  offlineTests,
  parentRuleTests,
  type ClientCase,
  type Servers,
} from './redis-scenarios';

/**
 * The ioredis instrumentation against a real Redis, in real processes: ioredis 5.9.3 (no
 * channels) from the `previous` set and 5.11.1 (which has channels, not used: see
 * instrumentations/ioredis/patch.ts) from `current`, each from CommonJS and from an ES module app.
 */
const IOREDIS: ClientCase = {
  lib: 'ioredis',
  // With no retries left, ioredis fails its queue with a bare "Connection is closed." Error.
  closedGetErrorType: 'Error',
  offlineErrorType: 'MaxRetriesPerRequestError',
  failedAttemptSpans: () => true,
};

const SETS: VersionSet[] = ['previous', 'current'];
const FLAVOURS: Flavour[] = ['cjs', 'esm'];

describe('ioredis instrumentation', function () {
  this.timeout(60_000);
  const servers: Servers = { redis: undefined, closedPort: 0 };
  before(async () => {
    servers.redis = await startRedis();
    servers.closedPort = await closedPort();
  });
  after(async () => {
    await servers.redis?.stop();
  });

  for (const set of SETS) {
    for (const flavour of FLAVOURS) mainScenarioTests(IOREDIS, set, flavour, servers);
    parentRuleTests(IOREDIS, set, servers);
    expressTests(IOREDIS, set, servers);
    offlineTests(IOREDIS, set);
  }
  disabledTests(IOREDIS, 'current', servers);
});
