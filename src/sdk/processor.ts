import type { SpanData } from './span-data';

/**
 * Receives every recording span when it ends. There is no onStart: none of the agent's
 * processors needs it, and skipping the call keeps span start lean.
 */
export interface SpanProcessor {
  onEnd(span: SpanData): void;
  /**
   * True when, once `onEnd` returns, the processor holds nothing of the span (it copied what it
   * needs: the protobuf batch processor encodes it). The span then lets go of its attributes,
   * events and links: an ended span can stay reachable for long (a keep-alive socket's timer
   * holds the context of the socket's last request, and so its span).
   */
  readonly keepsNothingAfterEnd?: boolean;
  /**
   * A span that a tail-sampling decision kept: exported whatever its sampled flag (which still
   * says what downstream services were told). Processors that export do not need onEnd's filter.
   */
  onKept?(span: SpanData): void;
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
  /** What would be lost if the process ended now (for the exit line), or undefined if nothing. */
  unexported?(): string | undefined;
}

/** Fans out to several processors (one per configured exporter). */
export class MultiSpanProcessor implements SpanProcessor {
  readonly keepsNothingAfterEnd: boolean;

  constructor(private readonly processors: readonly SpanProcessor[]) {
    this.keepsNothingAfterEnd = processors.every((p) => p.keepsNothingAfterEnd === true);
  }

  onEnd(span: SpanData): void {
    for (const processor of this.processors) processor.onEnd(span);
  }

  onKept(span: SpanData): void {
    for (const processor of this.processors) processor.onKept?.(span);
  }

  async forceFlush(): Promise<void> {
    await Promise.all(this.processors.map((p) => p.forceFlush()));
  }

  async shutdown(): Promise<void> {
    await Promise.all(this.processors.map((p) => p.shutdown()));
  }

  unexported(): string | undefined {
    const parts = this.processors.map((p) => p.unexported?.()).filter((part) => part !== undefined);
    return parts.length === 0 ? undefined : parts.join(', ');
  }
}

export const NOOP_PROCESSOR: SpanProcessor = {
  onEnd() {},
  keepsNothingAfterEnd: true,
  forceFlush: () => Promise.resolve(),
  shutdown: () => Promise.resolve(),
};
