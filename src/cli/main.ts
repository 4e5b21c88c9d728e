import { VERSION } from '../version';
import { helpText, optionValueProblems, parseArgs, UsageError, type ParsedArgs } from './args';
import { runCommand } from './run';
import { startLine } from './start-line';

/**
 * Entry point of the `otelite` executable. Sets process.exitCode (or, for a command killed
 * by a signal, dies by the same signal). User errors are one line on stderr, never a stack.
 */
export async function main(argv: string[]): Promise<void> {
  let parsed: ParsedArgs;
  try {
    parsed = parseArgs(argv);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`otelite: ${err.message}\nRun 'otelite --help' for usage.\n`);
      process.exitCode = 2;
      return;
    }
    throw err;
  }

  switch (parsed.kind) {
    case 'help':
      process.stdout.write(helpText());
      process.exitCode = 0;
      return;
    case 'version':
      process.stdout.write(VERSION + '\n');
      process.exitCode = 0;
      return;
    case 'command':
      if (parsed.command === 'doctor' && !parsed.afterDoubleDash) {
        if (parsed.args.length > 0) {
          process.stderr.write(
            `otelite: doctor takes no arguments (got ${parsed.args[0]}); put options before it\n` +
              `Run 'otelite --help' for usage.\n`,
          );
          process.exitCode = 2;
          return;
        }
        // Loaded lazily: running a command must not depend on anything doctor needs.
        // (require, not import(): node16 CommonJS output would keep import() as an ESM load.)
        const { doctor } = require('./doctor') as typeof import('./doctor');
        // `otelite doctor | head`: a reader that stops early is not an error of the doctor's.
        process.stdout.on('error', (error: NodeJS.ErrnoException) => {
          if (error.code !== 'EPIPE') throw error;
        });
        process.exitCode = await doctor({ ...process.env, ...parsed.env });
        return;
      }
      {
        const problems = optionValueProblems(parsed.env, process.env);
        if (problems.length > 0) {
          process.stderr.write(problems.map((p) => `otelite: ${p}\n`).join('') + `Run 'otelite --help' for usage.\n`);
          process.exitCode = 2;
          return;
        }
        const line = parsed.quiet ? undefined : startLine(parsed.command, parsed.args, { ...process.env, ...parsed.env });
        if (line !== undefined) process.stderr.write(line + '\n');
      }
      await runCommand(parsed.command, parsed.args, parsed.env);
      return;
  }
}
