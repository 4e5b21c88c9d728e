import { ensureBenchDeps } from '../../bench/lib/deps';
import { benchRequire } from '../../bench/lib/paths';

/** The official agent's preload, from the benchmark's pinned packages (installed on first use). */
export function officialRegister(): string {
  ensureBenchDeps();
  return benchRequire.resolve('@opentelemetry/auto-instrumentations-node/register');
}
