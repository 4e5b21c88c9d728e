import * as path from 'node:path';

/**
 * An exception's stack trace for the console tree, the app's frames first: a developer looks for
 * their own code, which a framework's frames (fastify, express, node: internals) push down.
 * Library frames follow in the verbose form, and are counted in the default one.
 */

const FRAME = /^\s*at\s/;
/** How many of the app's frames the default form shows. */
const MAX_APP_FRAMES = 8;

/** The agent's own files when it runs from this repository (installed, it is under node_modules). */
const AGENT_DIRS = agentDirs();

function agentDirs(): string[] {
  const marker = `${path.sep}build${path.sep}`;
  const index = __filename.lastIndexOf(marker);
  if (index < 0) return [];
  const build = __filename.slice(0, index + marker.length);
  return [build + 'src' + path.sep, build + 'instrumentations' + path.sep];
}

type Origin = 'node_modules' | 'node' | 'otelite' | 'app';

function originOf(frame: string): Origin {
  if (frame.includes(`${path.sep}node_modules${path.sep}`)) return 'node_modules';
  if (/\(node:|at node:|\(native\)|<anonymous>\)?$|\(index \d+\)$/.test(frame)) return 'node';
  if (AGENT_DIRS.some((dir) => frame.includes(dir))) return 'otelite';
  return 'app';
}

/** App paths relative to the working directory, as a developer reads them. */
function shortened(frame: string, cwd: string): string {
  return frame.trim().replace(`file://${cwd}${path.sep}`, '').replace(`${cwd}${path.sep}`, '');
}

/**
 * The lines to print for `stack` (from `exception.stacktrace`): its message line(s), the app's
 * frames, then (verbose) the other frames or (default) one line counting them by origin.
 */
export function stackLines(stack: string, verbose: boolean, cwd = process.cwd()): string[] {
  const lines = stack.split('\n').filter((line) => line.trim() !== '');
  const firstFrame = lines.findIndex((line) => FRAME.test(line));
  const head = firstFrame < 0 ? lines : lines.slice(0, firstFrame);
  const frames = firstFrame < 0 ? [] : lines.slice(firstFrame).filter((line) => FRAME.test(line));
  const app: string[] = [];
  const other: string[] = [];
  const counts = new Map<Origin, number>();
  for (const frame of frames) {
    const origin = originOf(frame);
    if (origin === 'app') app.push(shortened(frame, cwd));
    else {
      other.push(frame.trim());
      counts.set(origin, (counts.get(origin) ?? 0) + 1);
    }
  }
  const out = head.map((line) => line.trim());
  if (verbose) return [...out, ...app, ...other];
  out.push(...app.slice(0, MAX_APP_FRAMES));
  const hidden = other.length + Math.max(0, app.length - MAX_APP_FRAMES);
  if (hidden > 0) {
    const parts = [...counts].map(([origin, n]) => `${origin} ${n}`);
    if (app.length > MAX_APP_FRAMES) parts.unshift(`app ${app.length - MAX_APP_FRAMES}`);
    out.push(`… ${hidden} more frame${hidden === 1 ? '' : 's'} (${parts.join(', ')})`);
  }
  return out;
}
