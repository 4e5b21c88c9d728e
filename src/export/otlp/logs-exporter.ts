import type { OtlpConfig } from '../../config/types';
import type { LogRecordData } from '../../logs/data';
import type { LogRecordExporter } from '../../logs/processors';
import { encodeLogsRequestJson } from './encode-logs-json';
import { encodeLogsRequestPooled } from './encode-logs-protobuf';
import { OtlpExporter, type OtlpExporterOptions, type OtlpSignal } from './exporter';

const LOGS: OtlpSignal<readonly LogRecordData[]> = {
  name: 'logs',
  item: 'log record',
  count: (records) => records.length,
  halve: (records) => {
    const half = Math.ceil(records.length / 2);
    return [records.slice(0, half), records.slice(half)];
  },
  encodeProtobuf: encodeLogsRequestPooled,
  encodeJson: encodeLogsRequestJson,
  smallerItems: 'Set OTEL_LOGRECORD_ATTRIBUTE_VALUE_LENGTH_LIMIT to keep attribute values short.',
  smallerBatches: 'Lower OTEL_BLRP_MAX_EXPORT_BATCH_SIZE to avoid this.',
};

/**
 * The OTLP exporter of log records (http/protobuf, http/json, grpc's LogsService): retries,
 * splitting, drop counting and diagnostics are the traces exporter's (OtlpExporter).
 */
export class OtlpLogExporter extends OtlpExporter<readonly LogRecordData[]> implements LogRecordExporter {
  constructor(config: OtlpConfig, options: OtlpExporterOptions = {}) {
    super(LOGS, config, options);
  }
}
