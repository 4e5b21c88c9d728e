import { readConfig } from '../config';
import { describeExport, describeLogsExport, describeMetricsExport } from '../config/describe';
import { quote } from '../config/parse';

/** A word as it is when plain, quoted otherwise (spaces, quotes, control characters). */
const plain = (word: string): string => (/^[\w@%+=:,./-]+$/.test(word) ? word : quote(word));

/** A command as the start-up line shows it, cut short. */
function showCommand(command: string, args: readonly string[]): string {
  const line = [command, ...args].map(plain).join(' ');
  return line.length > 80 ? line.slice(0, 79) + '…' : line;
}

/**
 * The CLI's one start-up line, or undefined when it has nothing to say. It is printed by the CLI,
 * once, rather than by the agent in each process: the command may be `npm start` or a script
 * that starts several Node processes, each of which loads the agent through NODE_OPTIONS.
 *
 * When OTEL_LOG_LEVEL is set, the agent's own rule applies instead: each process prints its
 * start-up line at `info` and above, nothing below.
 */
export function startLine(command: string, args: readonly string[], env: NodeJS.ProcessEnv): string | undefined {
  if ((env.OTEL_LOG_LEVEL ?? '').trim() !== '') return undefined;
  const { config } = readConfig(env);
  const what = showCommand(command, args);
  if (config.disabled) return `otelite: running ${what} without tracing (OTEL_SDK_DISABLED=true)`;
  const where = `exporter=${describeExport(config)}, metrics=${describeMetricsExport(config)}, logs=${describeLogsExport(config)}`;
  return `otelite: tracing ${what} as service=${plain(config.serviceName)}, ${where} (--quiet to silence)`;
}
