import type { Config } from '../config/types';
import type { ResourceData } from '../sdk/span-data';
import type { LogRecordProcessor } from './data';
import { SdkLoggerProvider } from './logger-provider';
import { BatchLogRecordProcessor, MultiLogRecordProcessor, SimpleLogRecordProcessor } from './processors';

/**
 * The Logs SDK for a configuration: one processor per exporter (OTLP batched, console at once).
 * Loaded by the agent only when something first asks for a logger; exporters load only when configured.
 */
export function createLoggerProvider(config: Config, resource: ResourceData): SdkLoggerProvider {
  const { logs } = config;
  const processors: LogRecordProcessor[] = logs.exporters.map((name) => {
    if (name === 'console') {
      const { ConsoleLogRecordExporter } = require('../export/console-log-exporter') as typeof import('../export/console-log-exporter');
      return new SimpleLogRecordProcessor(new ConsoleLogRecordExporter(logs.consoleFormat));
    }
    const { OtlpLogExporter } = require('../export/otlp/logs-exporter') as typeof import('../export/otlp/logs-exporter');
    return new BatchLogRecordProcessor(new OtlpLogExporter(logs.otlp), logs.batch);
  });
  const processor = processors.length === 1 ? processors[0] : new MultiLogRecordProcessor(processors);
  return new SdkLoggerProvider({ resource, limits: logs.limits, processor });
}
