import { format, inspect, type InspectOptions } from 'node:util';
import type { ConsoleMethod } from './methods';

/**
 * The text a console call prints, without colours: `util.format` of the arguments (what
 * `console.log` and the others format), or for `dir` the inspection of its object with its
 * options (customInspect off, as the console does). Never parsed back: a JSON string stays a string.
 */
export function consoleText(method: ConsoleMethod, args: ArrayLike<unknown>): string {
  if (method === 'dir') {
    const options = args[1];
    return inspect(args[0], { customInspect: false, ...(options !== null && typeof options === 'object' ? (options as InspectOptions) : {}), colors: false });
  }
  return format(...Array.prototype.slice.call(args));
}
