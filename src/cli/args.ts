/**
 * Command-line parsing for `otelite [options] <command> [args...]`.
 *
 * Every option sets one environment variable; the table below is the single source of truth
 * for both the parser and the help text.
 */

import { readConfig } from '../config';
import { didYouMean } from '../config/suggest';

export interface OptionSpec {
  /** Long flag, with the leading `--`. */
  flag: string;
  /** The environment variable the option sets. */
  env: string;
  /** Placeholder for the value in the help text. */
  metavar: string;
  description: string;
}

export const OPTIONS: readonly OptionSpec[] = [
  { flag: '--service-name', env: 'OTEL_SERVICE_NAME', metavar: 'NAME', description: 'service.name of the traced process' },
  {
    flag: '--resource-attributes',
    env: 'OTEL_RESOURCE_ATTRIBUTES',
    metavar: 'K=V,...',
    description: 'extra resource attributes (percent-encoded values)',
  },
  {
    flag: '--exporter',
    env: 'OTEL_TRACES_EXPORTER',
    metavar: 'LIST',
    description: 'trace exporters: otlp, console, none (comma-separated)',
  },
  {
    flag: '--metrics-exporter',
    env: 'OTEL_METRICS_EXPORTER',
    metavar: 'LIST',
    description: 'metrics exporters: otlp, prometheus, console, none (comma-separated)',
  },
  {
    flag: '--logs-exporter',
    env: 'OTEL_LOGS_EXPORTER',
    metavar: 'LIST',
    description: 'logs exporters: otlp, console, none (comma-separated)',
  },
  {
    flag: '--endpoint',
    env: 'OTEL_EXPORTER_OTLP_ENDPOINT',
    metavar: 'URL',
    description: 'OTLP base endpoint, e.g. http://localhost:4318',
  },
  {
    flag: '--protocol',
    env: 'OTEL_EXPORTER_OTLP_PROTOCOL',
    metavar: 'PROTO',
    description: 'OTLP protocol: http/protobuf, http/json, grpc',
  },
  {
    flag: '--headers',
    env: 'OTEL_EXPORTER_OTLP_HEADERS',
    metavar: 'K=V,...',
    description: 'OTLP request headers (percent-encoded values)',
  },
  {
    flag: '--sampler',
    env: 'OTEL_TRACES_SAMPLER',
    metavar: 'NAME',
    description: 'always_on, always_off, traceidratio, parentbased_*, otelite_tail',
  },
  {
    flag: '--sampler-arg',
    env: 'OTEL_TRACES_SAMPLER_ARG',
    metavar: 'ARG',
    description: 'sampling ratio in [0, 1]; for otelite_tail: ratio=,keep_errors=,slower_than=,max_per_second=',
  },
  {
    flag: '--propagators',
    env: 'OTEL_PROPAGATORS',
    metavar: 'LIST',
    description: 'tracecontext, baggage, b3, b3multi, none (comma-separated)',
  },
  {
    flag: '--enable',
    env: 'OTEL_NODE_ENABLED_INSTRUMENTATIONS',
    metavar: 'LIST',
    description: 'only these instrumentations (comma-separated)',
  },
  {
    flag: '--disable',
    env: 'OTEL_NODE_DISABLED_INSTRUMENTATIONS',
    metavar: 'LIST',
    description: 'turn these instrumentations off (comma-separated)',
  },
  {
    flag: '--console-format',
    env: 'OTELITE_CONSOLE_FORMAT',
    metavar: 'FMT',
    description: 'console exporter output: tree, tree-verbose or json',
  },
  {
    flag: '--log-level',
    env: 'OTEL_LOG_LEVEL',
    metavar: 'LEVEL',
    description: 'agent diagnostics: none, error, warn, info, debug, verbose, all',
  },
];

/** Options that set no variable: they change what otelite itself does. */
const OWN_FLAGS = ['--help', '--version', '--quiet'];

/** A mistake on the command line: reported as one line plus a hint, exit status 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export type ParsedArgs =
  | { kind: 'help' }
  | { kind: 'version' }
  | {
      kind: 'command';
      /** Environment variables set by options, in addition to the inherited environment. */
      env: Record<string, string>;
      command: string;
      args: string[];
      /** True when the command came after `--` (so `otelite -- doctor` runs a program named doctor). */
      afterDoubleDash: boolean;
      /** `--quiet`: no start-up line. */
      quiet: boolean;
    };

const BY_FLAG = new Map(OPTIONS.map((o) => [o.flag, o]));

export function parseArgs(argv: readonly string[]): ParsedArgs {
  const env: Record<string, string> = {};
  let i = 0;
  let afterDoubleDash = false;
  let quiet = false;
  while (i < argv.length) {
    const arg = argv[i];
    if (arg === '--') {
      afterDoubleDash = true;
      i++;
      break;
    }
    if (!arg.startsWith('-') || arg === '-') break; // the command
    if (arg === '-h' || arg === '--help') return { kind: 'help' };
    if (arg === '-v' || arg === '--version') return { kind: 'version' };
    if (arg === '-q' || arg === '--quiet') {
      quiet = true;
      i++;
      continue;
    }

    const eq = arg.indexOf('=');
    const flag = eq === -1 ? arg : arg.slice(0, eq);
    const spec = arg.startsWith('--') ? BY_FLAG.get(flag) : undefined;
    if (spec === undefined) {
      throw new UsageError(`unknown option: ${flag}${didYouMean(flag, [...BY_FLAG.keys(), ...OWN_FLAGS])}`);
    }

    let value: string;
    if (eq !== -1) {
      value = arg.slice(eq + 1);
      i++;
    } else {
      const next = argv[i + 1];
      if (next === undefined || next.startsWith('--')) {
        throw new UsageError(`option ${flag} needs a value (${flag} ${spec.metavar} or ${flag}=${spec.metavar})`);
      }
      value = next;
      i += 2;
    }
    env[spec.env] = value;
  }

  if (i >= argv.length) throw new UsageError('no command given');
  return { kind: 'command', env, command: argv[i], args: argv.slice(i + 1), afterDoubleDash, quiet };
}

const BY_VARIABLE = new Map(OPTIONS.map((o) => [o.env, o]));

/**
 * Option values the agent would warn about, one line each, by the agent's own rules (a typo
 * gets its "did you mean"), named by the option: a mistake typed on the command line is better
 * reported before the command starts. `inherited` is the environment the options add to (a
 * --sampler-arg is read for the sampler it sets, whoever set it).
 */
export function optionValueProblems(optionEnv: Record<string, string>, inherited: NodeJS.ProcessEnv): string[] {
  return readConfig({ ...inherited, ...optionEnv })
    .issues.filter((issue) => Object.hasOwn(optionEnv, issue.variable))
    .map((issue) => {
      const flag = BY_VARIABLE.get(issue.variable)?.flag ?? issue.variable;
      return issue.shown === undefined ? `${flag} ${issue.problem}` : `${flag} ${issue.shown} ${issue.problem}`;
    });
}

export function helpText(): string {
  const width = Math.max(...OPTIONS.map((o) => `${o.flag} ${o.metavar}`.length), '-v, --version'.length);
  const row = (left: string, right: string) => `  ${left.padEnd(width)}  ${right}`;
  const lines = [
    'Usage: otelite [options] <command> [args...]',
    '       otelite [options] doctor',
    '',
    'Runs <command> with OpenTelemetry tracing: the otelite agent is added to NODE_OPTIONS',
    '(as --import), so every Node.js process the command starts is traced.',
    '`otelite doctor` prints the resolved configuration and checks the OTLP endpoint.',
    '(`otelite -- doctor` runs a program named doctor.)',
    '',
    'Options (each sets an environment variable; the variable works without otelite too):',
  ];
  for (const o of OPTIONS) {
    lines.push(row(`${o.flag} ${o.metavar}`, `${o.description} [${o.env}]`));
  }
  lines.push(row('-q, --quiet', 'no start-up line (it goes to stderr)'));
  lines.push(row('-h, --help', 'show this help'));
  lines.push(row('-v, --version', 'print the otelite version'));
  lines.push('');
  lines.push('Option parsing stops at the first argument that is not an option, or at `--`.');
  lines.push('Both `--opt value` and `--opt=value` are accepted.');
  lines.push('');
  lines.push('In containers and process managers, make otelite (or node --import otelite/register)');
  lines.push('the command itself, not `npx otelite` or `npm start`: their `sh -c` does not pass SIGTERM on.');
  lines.push('');
  lines.push('Examples:');
  lines.push('  otelite --service-name checkout node server.js');
  lines.push('  otelite --exporter console --console-format tree npm start');
  lines.push('  otelite --endpoint http://collector:4318 doctor');
  return lines.join('\n') + '\n';
}
