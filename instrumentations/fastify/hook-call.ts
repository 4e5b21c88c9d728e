import { trace, type Context, type Span, type Tracer } from '@opentelemetry/api';
import type { HttpInstrumentationConfig, InstrumentationState } from '../../src/instrument';
import { recordError } from '../shared/http-semantics';
import { exchangeOf } from '../shared/server-exchange';
import { INTERNAL_SPAN, recordingParentOf } from '../shared/web-route';
import type { HookInfo } from './hook-info';
import type { FastifyRequest } from './types';

/** What the parts of this instrumentation share. */
export interface FastifyDeps {
  readonly tracer: Tracer;
  readonly config: HttpInstrumentationConfig;
  readonly state: InstrumentationState;
  readonly failures: HookFailures;
}

/**
 * The request whose hook failed last, for the handler channel (handler-channel.ts): fastify 5
 * publishes the handler's `start` even when a `preHandler` hook failed and the handler will not
 * run. Set on an error only, and forgotten on the next tick. One per instrumentation.
 */
export class HookFailures {
  private failed: object | undefined;
  private readonly forget = (request: object): void => {
    if (this.failed === request) this.failed = undefined;
  };

  note(request: object): void {
    if (this.failed === request) return;
    this.failed = request;
    process.nextTick(this.forget, request);
  }

  /** True (once) when a hook of `request` has just failed. */
  consume(request: object): boolean {
    if (this.failed !== request) return false;
    this.failed = undefined;
    return true;
  }
}

/** One traced run of a hook or handler: its span, open until the hook calls `done` or settles. */
export class HookCall {
  ended = false;

  constructor(
    readonly span: Span,
    /** The context the hook runs in: its span's. */
    readonly context: Context,
    /** The context it started in: the SERVER span's. */
    readonly parent: Context,
    readonly request: object,
    private readonly deps: FastifyDeps,
  ) {}

  /** Ends the span, recording `error` when there is one. Never throws. */
  finish(error: unknown): void {
    if (this.ended) return;
    this.ended = true;
    try {
      if (error !== undefined && error !== null) {
        recordError(this.span, error);
        this.deps.failures.note(this.request);
      }
      this.span.end();
    } catch (failure) {
      this.deps.state.fail(failure);
    }
  }
}

/**
 * Starts the span of a hook or handler call of `request`, a child of the request's SERVER span;
 * undefined when that span does not record (sampled out, or no SERVER span): the hook then runs
 * untouched. Never throws.
 */
export function startCall(deps: FastifyDeps, info: HookInfo, request: FastifyRequest | undefined): HookCall | undefined {
  try {
    const raw = request?.raw;
    if (raw === undefined || raw === null || typeof raw !== 'object') return undefined;
    const parent = recordingParentOf(exchangeOf(raw));
    if (parent === undefined) return undefined;
    const span = deps.tracer.startSpan(info.spanName, INTERNAL_SPAN, parent);
    info.describe(span);
    return new HookCall(span, trace.setSpan(parent, span), parent, request as object, deps);
  } catch (error) {
    deps.state.fail(error);
    return undefined;
  }
}
