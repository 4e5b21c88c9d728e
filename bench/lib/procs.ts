import { execFileSync, spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { readFileSync } from 'node:fs';

/**
 * Every process the suite starts goes through `spawnTracked`, so that all of them are killed
 * at the end, on SIGINT/SIGTERM and on a crash (`killAll`, also run synchronously at exit).
 */
const live = new Set<ChildProcess>();

export function spawnTracked(command: string, args: readonly string[], options: SpawnOptions): ChildProcess {
  const child = spawn(command, args, options);
  live.add(child);
  child.once('exit', () => live.delete(child));
  child.once('error', () => live.delete(child));
  return child;
}

export function killAll(signal: NodeJS.Signals = 'SIGKILL'): void {
  for (const child of live) {
    try {
      child.kill(signal);
    } catch {
      // already gone
    }
  }
}

export function liveCount(): number {
  return live.size;
}

/** Waits for the child to exit; SIGTERM now, SIGKILL after `graceMs`. Resolves whether it was forced. */
export function stopChild(child: ChildProcess, graceMs: number, signal: NodeJS.Signals = 'SIGTERM'): Promise<{ forced: boolean; code: number | null; signal: string | null }> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve({ forced: false, code: child.exitCode, signal: child.signalCode });
  }
  return new Promise((resolve) => {
    let forced = false;
    const timer = setTimeout(() => {
      forced = true;
      child.kill('SIGKILL');
    }, graceMs);
    child.once('exit', (code, sig) => {
      clearTimeout(timer);
      resolve({ forced, code, signal: sig });
    });
    child.kill(signal);
  });
}

/** Resolves with the first capture of `pattern` on the child's stdout; rejects on exit or timeout. */
export function waitForLine(child: ChildProcess, pattern: RegExp, timeoutMs: number, log: () => string): Promise<string> {
  return new Promise((resolve, reject) => {
    let buffered = '';
    const onData = (d: Buffer): void => {
      buffered += d.toString();
      const m = pattern.exec(buffered);
      if (m) {
        done();
        resolve(m[1] ?? m[0]);
      }
    };
    const onExit = (code: number | null, sig: string | null): void => {
      done();
      reject(new Error(`process exited (${code ?? sig}) before printing ${pattern}:\n${log()}`));
    };
    const timer = setTimeout(() => {
      done();
      reject(new Error(`no ${pattern} within ${timeoutMs} ms:\n${log()}`));
    }, timeoutMs);
    const done = (): void => {
      clearTimeout(timer);
      child.stdout!.off('data', onData);
      child.off('exit', onExit);
    };
    child.stdout!.on('data', onData);
    child.once('exit', onExit);
  });
}

/** Keeps the last `max` characters of a stream, for error messages. */
export function tail(max = 4000): { push(d: Buffer | string): void; text(): string } {
  let text = '';
  return {
    push(d) {
      text += d.toString();
      if (text.length > max * 2) text = text.slice(-max);
    },
    text: () => text.slice(-max),
  };
}

/** Peak resident set size (VmHWM) of a live process, in bytes; undefined when unreadable. */
export function peakRss(pid: number): number | undefined {
  try {
    const m = /VmHWM:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** User and system CPU time (all threads) of a live process, in clock ticks (USER_HZ, 100/s on Linux). */
export function cpuTimes(pid: number): { user: number; system: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which is in parentheses and may contain spaces).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of stat(5), i.e. 11 and 12 after the state field (3).
    return { user: Number(fields[11]), system: Number(fields[12]) };
  } catch {
    return undefined;
  }
}

/** CPU time (user + system, all threads) of a live process, in clock ticks. */
export function cpuTicks(pid: number): number | undefined {
  const times = cpuTimes(pid);
  return times === undefined ? undefined : times.user + times.system;
}

export const TICKS_PER_SECOND = ((): number => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim()) || 100;
  } catch {
    return 100;
  }
})();

/**
 * Runs a bench script's `main`: Ctrl-C and a failure both kill every process it started; a
 * failure prints `<name> failed: <message>` and exits 1.
 */
export function runMain(name: string, main: () => Promise<void>): void {
  process.on('SIGINT', () => {
    killAll();
    process.exit(130);
  });
  main().catch((error: Error) => {
    console.error(`${name} failed: ${error.message}`);
    killAll();
    process.exit(1);
  });
}
