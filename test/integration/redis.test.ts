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
 * The node-redis instrumentation (`redis`) against a real Redis, in real processes: redis 4
 * (@redis/client 1.x, patched) from the `previous` set and redis 5.12 (@redis/client 5.12,
 * through its TracingChannels) from `current`, each from CommonJS and from an ES module app.
 */
const NODE_REDIS: ClientCase = {
  lib: 'redis',
  // The client never connected: node-redis refuses the command itself.
  closedGetErrorType: 'ClientClosedError',
  // node-redis fails its queued commands with the connection error when it gives up.
  offlineErrorType: 'ECONNREFUSED',
  // @redis/client >= 5.12 publishes nothing for a failed reconnection attempt.
  failedAttemptSpans: (set) => set === 'previous',
};

const SETS: VersionSet[] = ['previous', 'current'];
const FLAVOURS: Flavour[] = ['cjs', 'esm'];

describe('redis (node-redis) instrumentation', function () {
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
    for (const flavour of FLAVOURS) mainScenarioTests(NODE_REDIS, set, flavour, servers);
    parentRuleTests(NODE_REDIS, set, servers);
    expressTests(NODE_REDIS, set, servers);
    offlineTests(NODE_REDIS, set);
  }
  disabledTests(NODE_REDIS, 'current', servers);
});
