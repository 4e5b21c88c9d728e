/**
 * Stands in for the `debug` package inside the agent's bundle (package.json `build`):
 * require-in-the-middle logs through `debug`, which loads node:tty and probes the terminal at
 * start-up (~3 ms) for lines only `DEBUG=require-in-the-middle` would print. otelite reports
 * what it patches through its own diagnostics (OTEL_LOG_LEVEL=debug).
 */
interface Debugger {
  (...args: unknown[]): void;
  enabled: boolean;
}

function createDebug(): Debugger {
  const log = (() => undefined) as unknown as Debugger;
  log.enabled = false;
  return log;
}

export = createDebug;
