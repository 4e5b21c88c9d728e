import { spawn } from 'node:child_process';
import { constants as osConstants } from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { watchLauncher } from './launcher';

/** Absolute path of the compiled register entry (build/src/register.js). */
export function registerPath(): string {
  return path.resolve(__dirname, '..', 'register.js');
}

/** The specifier put after `--import`: a file URL (no spaces or quotes, works on every platform). */
export function registerSpecifier(): string {
  return pathToFileURL(registerPath()).href;
}

/**
 * NODE_OPTIONS for the child: whatever was there, plus `--import "<register>"` unless the
 * agent is already being imported. Node splits NODE_OPTIONS on spaces, so the value is quoted.
 */
export function withAgent(nodeOptions: string | undefined): string {
  const existing = (nodeOptions ?? '').trim();
  const file = registerPath();
  const url = registerSpecifier();
  if (existing.includes(url) || existing.includes(file) || existing.includes('otelite/register')) return existing;
  const flag = `--import "${url.replace(/(["\\])/g, '\\$1')}"`;
  return existing === '' ? flag : `${existing} ${flag}`;
}

const FORWARDED: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/**
 * Runs `command args...` with the agent in NODE_OPTIONS and mirrors how it ended: same exit
 * status, or the same signal re-raised on this process. Resolves only for normal exits
 * (after setting process.exitCode).
 */
export function runCommand(command: string, args: string[], extraEnv: Record<string, string>): Promise<void> {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extraEnv };
  env.NODE_OPTIONS = withAgent(env.NODE_OPTIONS);

  return new Promise<void>((resolve) => {
    const child = spawn(command, args, { stdio: 'inherit', env });

    const handlers = new Map<NodeJS.Signals, () => void>();
    for (const signal of FORWARDED) {
      const handler = () => {
        // Ctrl-C in a terminal already reaches the child (same process group); forwarding it
        // too would deliver it twice, and a second SIGINT cuts the agent's exit flush short.
        if (signal === 'SIGINT' && process.stdin.isTTY) return;
        // The child may already be gone; nothing to forward then.
        if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      };
      handlers.set(signal, handler);
      process.on(signal, handler);
    }
    // npm does not pass a SIGTERM on through its `sh -c` (launcher.ts): when it is gone, the
    // command gets the SIGTERM it never got, and otelite ends as the command ends.
    const stopWatching = watchLauncher(process.env, (launcherPid) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      // Whoever reads our stderr may be gone with the launcher: a failed write must not crash otelite.
      process.stderr.on('error', () => {});
      process.stderr.write(`otelite: the process that started otelite (pid ${launcherPid}) is gone; sent SIGTERM to ${command}\n`);
    });
    const removeHandlers = () => {
      stopWatching();
      for (const [signal, handler] of handlers) process.removeListener(signal, handler);
    };

    child.on('error', (err: NodeJS.ErrnoException) => {
      removeHandlers();
      if (err.code === 'ENOENT') {
        process.stderr.write(`otelite: command not found: ${command}\n`);
        process.exitCode = 127;
      } else if (err.code === 'EACCES') {
        process.stderr.write(`otelite: permission denied: ${command}\n`);
        process.exitCode = 126;
      } else {
        process.stderr.write(`otelite: cannot run ${command}: ${err.message}\n`);
        process.exitCode = 126;
      }
      resolve();
    });

    child.on('exit', (code, signal) => {
      removeHandlers();
      if (signal !== null) {
        // Die the same way, so whoever started us sees the signal, not a made-up status.
        // If the signal turns out to be ignored (Node ignores SIGPIPE, for one), fall back to
        // the shell convention 128 + signal number.
        const num = (osConstants.signals as Record<string, number>)[signal] ?? 0;
        process.exitCode = 128 + num;
        process.kill(process.pid, signal);
        setTimeout(() => process.exit(128 + num), 100);
        return;
      }
      process.exitCode = code ?? 1;
      resolve();
    });
  });
}
