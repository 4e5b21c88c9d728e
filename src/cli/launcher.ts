import * as fs from 'node:fs';

/**
 * Noticing that the package manager that started otelite is gone.
 *
 * `npx otelite node app.js` and `npm start` run otelite through `sh -c`: npm passes a SIGTERM on to
 * that shell, which dies of it without passing it on, and otelite and the app stay up, orphaned
 * (measured with npm 11: the npm and sh processes are gone, otelite and the app keep running).
 * So under a package manager (it sets `npm_lifecycle_event`, as yarn and pnpm do), otelite
 * watches the process that started it and, once that is gone, sends the command the SIGTERM it
 * never got.
 *
 * Nothing is watched when otelite is not run by a package manager: from a shell, a process manager,
 * a container's entry point, `setsid` or `nohup`, its parent going away is no reason to stop the app.
 */

const CHECK_EVERY_MS = 500;

/** Shells a package manager runs scripts with (`sh -c` on Unix). */
const SHELLS = new Set(['sh', 'dash', 'bash', 'ash', 'zsh', 'ksh', 'mksh', 'busybox']);

interface ProcStat {
  state: string;
  ppid: number;
}

/** State and parent of a process from /proc (Linux); undefined elsewhere or when it is gone. */
function procStat(pid: number): ProcStat | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // `pid (comm) state ppid …`: comm may hold spaces and parentheses, so read after the last ')'.
    const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state, ppid: Number(ppid) };
  } catch {
    return undefined;
  }
}

function commandName(pid: number): string | undefined {
  try {
    return fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** Whether `pid` is a live process (a zombie, dead but not yet reaped, is not). */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  return procStat(pid)?.state !== 'Z';
}

/** Who started otelite: the package manager, which is the parent or, through `sh -c`, the grandparent. */
interface Launcher {
  pid: number;
  /** Whether it is gone. */
  gone(): boolean;
}

function findLauncher(): Launcher | undefined {
  const parent = process.ppid;
  const shell = SHELLS.has(commandName(parent) ?? '');
  const grandparent = shell ? procStat(parent)?.ppid : undefined;
  if (grandparent !== undefined && grandparent > 1) {
    // The shell may outlive the package manager (a SIGKILL does not reach it), or exit while
    // the package manager lives on (`otelite … &` in a script): only the package manager counts.
    return { pid: grandparent, gone: () => !isRunning(grandparent) };
  }
  if (parent <= 1) return undefined; // started by init, or already orphaned: nothing to watch
  // Without /proc (macOS): the parent's death shows as a new parent, the one that adopted us.
  return { pid: parent, gone: () => process.ppid !== parent };
}

/**
 * Calls `onGone` once when the package manager that started otelite is gone. Returns the function
 * that stops watching. The timer is unref'ed: it never keeps otelite alive by itself.
 */
export function watchLauncher(env: NodeJS.ProcessEnv, onGone: (launcherPid: number) => void): () => void {
  if (env.npm_lifecycle_event === undefined) return () => {};
  const launcher = findLauncher();
  if (launcher === undefined) return () => {};
  const timer = setInterval(() => {
    if (!launcher.gone()) return;
    clearInterval(timer);
    onGone(launcher.pid);
  }, CHECK_EVERY_MS);
  timer.unref();
  return () => clearInterval(timer);
}
