import { maskUrl } from '../secrets';
import type { Config } from './types';

/**
 * Where spans go, in a few words: `otlp http/protobuf http://localhost:4318/v1/traces`,
 * `console`, `none`. The endpoint's credentials are masked.
 */
export function describeExport(config: Config): string {
  if (config.tracesExporters.length === 0) return 'none';
  const endpoint = config.tracesExporters.includes('otlp') ? ` ${config.otlp.protocol} ${maskUrl(config.otlp.endpoint)}` : '';
  return config.tracesExporters.join(',') + endpoint;
}
