import type { SpanData } from '../sdk/span-data';
import type { ExportResult, SpanExporter } from './exporter';

/** Keeps exported spans in memory, for tests. */
export class InMemorySpanExporter implements SpanExporter {
  readonly spans: SpanData[] = [];
  private stopped = false;

  export(spans: readonly SpanData[]): Promise<ExportResult> {
    if (this.stopped) return Promise.resolve({ ok: false, error: new Error('exporter is shut down') });
    this.spans.push(...spans);
    return Promise.resolve({ ok: true });
  }

  reset(): void {
    this.spans.length = 0;
  }

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    this.stopped = true;
    return Promise.resolve();
  }
}
