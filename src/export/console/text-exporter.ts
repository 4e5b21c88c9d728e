import type { ExportResult } from '../exporter';

/** Where the console exporters write: stdout, as one write per export. */
export type TextWriter = (text: string) => void;

export const toStdout: TextWriter = (text) => process.stdout.write(text);

/**
 * What the console exporters of metrics and log records share: a batch rendered to text and
 * written at once; nothing held, so flush and shutdown have nothing to do; a failure to render
 * is a failed export, never a throw.
 */
export class TextExporter<T> {
  readonly target = 'stdout';
  private stopped = false;

  constructor(
    /** "metrics", "logs": for the error after shutdown. */
    private readonly signal: string,
    private readonly render: (batch: T) => string,
    private readonly write: TextWriter,
  ) {}

  export(batch: T): Promise<ExportResult> {
    if (this.stopped) return Promise.resolve({ ok: false, error: new Error(`the console ${this.signal} exporter is shut down`) });
    try {
      const text = this.render(batch);
      if (text !== '') this.write(text);
      return Promise.resolve({ ok: true });
    } catch (error) {
      return Promise.resolve({ ok: false, error: error as Error });
    }
  }

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    this.stopped = true;
    return Promise.resolve();
  }
}
