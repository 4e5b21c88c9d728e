import { randomUUID } from 'node:crypto';
import { arch, hostname, type } from 'node:os';
import { basename } from 'node:path';
import type { Attributes } from '@opentelemetry/api';
import { VERSION } from '../version';
import type { ResourceData } from './span-data';

/** Semantic-conventions values for `host.arch`. */
const HOST_ARCH: Record<string, string> = {
  x64: 'amd64',
  arm: 'arm32',
  arm64: 'arm64',
  ia32: 'x86',
  ppc: 'ppc32',
  ppc64: 'ppc64',
  s390x: 's390x',
};

/** Semantic-conventions values for `os.type`. */
const OS_TYPE: Record<string, string> = {
  Linux: 'linux',
  Darwin: 'darwin',
  Windows_NT: 'windows',
  FreeBSD: 'freebsd',
  OpenBSD: 'openbsd',
  SunOS: 'solaris',
  AIX: 'aix',
};

export interface ResourceInput {
  serviceName: string;
  /** From OTEL_RESOURCE_ATTRIBUTES; they override what is detected, but not `service.name`. */
  attributes: Record<string, string>;
}

/**
 * Everything here is read from the local process and OS: the agent never probes the network
 * (cloud metadata endpoints) at start-up.
 */
export function createResource(input: ResourceInput): ResourceData {
  const attributes: Attributes = {
    'service.instance.id': randomUUID(),
    'telemetry.sdk.name': 'otelite',
    'telemetry.sdk.language': 'nodejs',
    'telemetry.sdk.version': VERSION,
    'process.pid': process.pid,
    'process.runtime.name': 'nodejs',
    'process.runtime.version': process.versions.node,
    'process.runtime.description': 'Node.js',
    'process.executable.name': basename(process.execPath),
    'process.executable.path': process.execPath,
    'process.command': process.argv[1] ?? '',
    'host.name': hostname(),
    'host.arch': HOST_ARCH[arch()] ?? arch(),
    'os.type': OS_TYPE[type()] ?? type().toLowerCase(),
    ...input.attributes,
    'service.name': input.serviceName,
  };
  return { attributes, schemaUrl: undefined };
}
