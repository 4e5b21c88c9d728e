import { SERVER_LABELS, type AgentId, type ServerId } from './agents';
import { WARMUP_MAX_S, type Cell, type Summary } from './load';
import type { MicroResult } from './micro';
import type { StartupResult } from './startup';

export interface Report {
  title: string;
  date: string;
  mode: 'quick' | 'full' | 'custom';
  machine: {
    cpu: string;
    cores: number;
    memoryGiB: number;
    os: string;
    loadAverageAtStart: number[];
    loadAverageAtEnd: number[];
  };
  config: {
    rounds: number;
    warmupSeconds: number;
    /** Absent in reports from before it existed: a warm-up of `warmupSeconds` alone. */
    warmupRequests?: number;
    durationSeconds: number;
    threads: number;
    connections: number;
    path: string;
    startupRuns: number;
    microQuick: boolean;
  };
  versions: Record<string, string>;
  commands: { agents: Record<string, string>; load: string; startup: Record<string, string>; micro: string[]; suite: string };
  budget: { computedSeconds: number; observedSeconds: number };
  load: { summary: Summary[]; cells: Cell[] };
  startup: StartupResult[];
  /** The start-up app with one span queued and no collector listening: how long the exit takes. */
  exitNoCollector?: StartupResult[];
  micro: { results: MicroResult[]; failures: string[] };
  notes: string[];
}

function f(x: number | undefined, digits: number): string {
  return x === undefined || !Number.isFinite(x) ? '–' : x.toFixed(digits);
}

function signed(x: number, digits: number): string {
  if (!Number.isFinite(x)) return '–';
  return (x >= 0 ? '+' : '') + x.toFixed(digits);
}

function table(head: string[], rows: string[][], align?: string[]): string {
  const sep = head.map((_, i) => align?.[i] ?? '---');
  return [head, sep, ...rows].map((r) => `| ${r.join(' | ')} |`).join('\n');
}

interface Target {
  what: string;
  target: string;
  measured: string;
  met: boolean | undefined;
}

function targets(r: Report): Target[] {
  const s = (server: ServerId, agent: AgentId): Summary | undefined => r.load.summary.find((x) => x.server === server && x.agent === agent);
  const out: Target[] = [];
  const ratio = (server: ServerId, agent: AgentId, min: number, what: string): void => {
    const x = s(server, agent);
    if (x === undefined) return;
    out.push({ what, target: `≥ ${min.toFixed(2)}`, measured: f(x.ratio, 2), met: Number.isFinite(x.ratio) ? x.ratio >= min : undefined });
  };
  ratio('http', 'otelite', 0.7, 'throughput ratio, node:http');
  ratio('express', 'otelite', 0.85, 'throughput ratio, express');
  ratio('fastify', 'otelite', 0.65, 'throughput ratio, fastify');
  for (const server of ['http', 'express', 'fastify'] as ServerId[]) ratio(server, 'otelite-off', 0.95, `throughput ratio, ${SERVER_LABELS[server]}, sampler always_off`);
  for (const server of ['http', 'express', 'fastify', 'realistic'] as ServerId[]) {
    const o = s(server, 'otelite');
    const off = s(server, 'official');
    if (o !== undefined && off !== undefined) {
      out.push({
        what: `added p99 latency, ${SERVER_LABELS[server]}`,
        target: `≤ official (${signed(off.addedP99Ms, 2)} ms)`,
        measured: `${signed(o.addedP99Ms, 2)} ms`,
        met: Number.isFinite(o.addedP99Ms) && Number.isFinite(off.addedP99Ms) ? o.addedP99Ms <= off.addedP99Ms : undefined,
      });
    }
    if (o !== undefined) {
      out.push({
        what: `peak RSS under load, ${SERVER_LABELS[server]}`,
        target: '≤ +25 MB',
        measured: `${signed(o.addedRssMb, 1)} MB`,
        met: Number.isFinite(o.addedRssMb) ? o.addedRssMb <= 25 : undefined,
      });
    }
  }
  for (const flag of ['--import', '--require'] as const) {
    const so = r.startup.find((x) => x.agent === 'otelite' && x.flag === flag);
    const sf = r.startup.find((x) => x.agent === 'official' && x.flag === flag);
    if (so === undefined) continue;
    const limit = sf !== undefined ? Math.min(40, sf.addedExitMs / 4) : 40;
    out.push({
      what: `start-up added, ${flag} (express + pg + redis app, to exit)`,
      target: `< ¼ of official${sf ? ` (${f(sf.addedExitMs / 4, 1)} ms)` : ''} and < 40 ms`,
      measured: `${signed(so.addedExitMs, 1)} ms`,
      met: Number.isFinite(so.addedExitMs) ? so.addedExitMs < limit : undefined,
    });
  }
  const enc = r.micro.results.find((m) => m.name.startsWith('OTLP protobuf encoding'));
  if (enc !== undefined) {
    out.push({ what: 'OTLP protobuf encoding per span vs official', target: '≥ 3× faster', measured: `${f(enc.speedup, 2)}×`, met: enc.speedup >= 3 });
  }
  return out;
}

function warmupText(config: Report['config']): string {
  const seconds = `${config.warmupSeconds} s`;
  if (!config.warmupRequests) return `a ${seconds} warm-up`;
  return `a warm-up of at least ${config.warmupRequests} requests (wrk runs of ${seconds} until then, at most ${WARMUP_MAX_S} s)`;
}

export function markdown(r: Report): string {
  const lines: string[] = [];
  lines.push(`# ${r.title}`, '');
  if (r.mode !== 'full') {
    lines.push(`> **${r.mode} run**: ${r.config.rounds} round(s) of ${r.config.durationSeconds} s; figures are indicative only. Final figures come from the full run (\`npm run bench\`) on a quiet machine.`, '');
  }
  lines.push(
    `- Date: ${r.date}`,
    `- Machine: ${r.machine.cpu}, ${r.machine.cores} cores, ${r.machine.memoryGiB.toFixed(1)} GiB; ${r.machine.os}`,
    `- Node ${r.versions.node}; load average at start ${r.machine.loadAverageAtStart.map((x) => x.toFixed(2)).join(' ')}, at end ${r.machine.loadAverageAtEnd.map((x) => x.toFixed(2)).join(' ')}`,
    `- Load: \`${r.commands.load}\` after ${warmupText(r.config)} (not counted); ${r.config.rounds} interleaved round(s), medians reported; ratios and "added" figures are medians of per-round pairs with "none" of the same round`,
    `- Suite: \`${r.commands.suite}\`; computed budget ${f(r.budget.computedSeconds / 60, 1)} min, took ${f(r.budget.observedSeconds / 60, 1)} min`,
    '',
  );

  const t = targets(r);
  if (t.length > 0) {
    lines.push('## otelite against its targets', '');
    lines.push(table(['what', 'target', 'measured', 'met'], t.map((x) => [x.what, x.target, x.measured, x.met === undefined ? '?' : x.met ? 'yes' : '**no**'])), '');
  }

  if (r.load.summary.length > 0) {
    lines.push('## Throughput, latency and memory under load', '');
    const servers = [...new Set(r.load.summary.map((s) => s.server))];
    for (const server of servers) {
      lines.push(`### ${SERVER_LABELS[server]}`, '');
      const rows = r.load.summary
        .filter((s) => s.server === server)
        .map((s) => [
          s.label,
          f(s.rps, 0),
          s.agent === 'none' ? '1' : f(s.ratio, 2),
          f(s.p50Ms, 2),
          f(s.p99Ms, 2),
          s.agent === 'none' ? '' : signed(s.addedP99Ms, 2),
          f(s.peakRssMb, 0),
          s.agent === 'none' ? '' : signed(s.addedRssMb, 0),
          f(s.cpuUsPerRequest, 1),
          s.agent === 'none' ? '' : signed(s.addedCpuUsPerRequest, 1),
          s.agent === 'none' ? '' : signed(s.addedSystemCpuUsPerRequest, 1),
          f(s.spansPerRequest, 2),
          `${s.rounds - s.failedRounds}/${s.rounds}${s.errors ? `, ${s.errors} errors` : ''}`,
        ]);
      lines.push(
        table(
          ['agent', 'req/s', 'ratio', 'p50 ms', 'p99 ms', 'added p99 ms', 'peak RSS MB', 'added RSS MB', 'CPU µs/req', 'added CPU µs/req', 'of it kernel', 'spans/req', 'rounds ok'],
          rows,
          ['---', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---'],
        ),
        '',
      );
    }
    const failed = r.load.cells.filter((c) => !c.ok);
    if (failed.length > 0) {
      lines.push('Failed cells:', '');
      for (const c of failed) lines.push(`- ${SERVER_LABELS[c.server]} / ${c.agent} / round ${c.round}: ${c.error}`);
      lines.push('');
    }
  }

  if (r.startup.length > 0) {
    lines.push('## Start-up', '');
    lines.push(
      `\`node [--require|--import <agent>] bench/startup/app.cjs\` (requires express, pg and redis, prints \`ready\`, exits), ${r.config.startupRuns} runs per agent and flag, interleaved, after one uncounted run each; median wall time from spawn to the \`ready\` line and to the exit, and the median CPU time of the process (all threads, \`process.cpuUsage()\`) at those points, which other load on the machine disturbs less.`,
      '',
    );
    lines.push(
      table(
        ['agent', 'to exit ms', 'added ms', 'to ready ms', 'added ms', 'CPU to exit ms', 'added CPU ms', 'CPU to ready ms', 'added CPU ms', 'runs'],
        r.startup.map((s) => {
          const none = s.agent === 'none';
          return [
            s.label,
            f(s.medianExitMs, 1),
            none ? '' : signed(s.addedExitMs, 1),
            f(s.medianReadyMs, 1),
            none ? '' : signed(s.addedReadyMs, 1),
            f(s.medianExitCpuMs, 1),
            none ? '' : signed(s.addedExitCpuMs, 1),
            f(s.medianReadyCpuMs, 1),
            none ? '' : signed(s.addedReadyCpuMs, 1),
            `${s.runs}${s.failures.length ? ` (${s.failures.length} failed)` : ''}`,
          ];
        }),
        ['---', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:'],
      ),
      '',
    );
  }

  if (r.exitNoCollector !== undefined && r.exitNoCollector.length > 0) {
    lines.push('## Exit with no collector', '');
    lines.push(
      `The start-up app with \`STARTUP_SPAN=1\` (one outgoing HTTP request, so one span is queued when it is done) and every agent's OTLP endpoint on a closed port of 127.0.0.1, ${r.config.startupRuns} runs per agent, interleaved; median wall time from spawn to the process's exit.`,
      '',
    );
    lines.push(
      table(
        ['agent', 'to exit ms', 'added ms', 'runs'],
        r.exitNoCollector.map((s) => [
          s.label,
          f(s.medianExitMs, 1),
          s.agent === 'none' ? '' : signed(s.addedExitMs, 1),
          `${s.runs}${s.failures.length ? ` (${s.failures.length} failed)` : ''}`,
        ]),
        ['---', '---:', '---:', '---:'],
      ),
      '',
    );
  }

  if (r.micro.results.length > 0 || r.micro.failures.length > 0) {
    lines.push('## Micro-benchmarks (hot paths)', '');
    lines.push(`Each file in its own process; otelite and the official equivalent in alternating rounds after a warm-up; medians.${r.config.microQuick ? ' Quick mode: short rounds.' : ''}`, '');
    lines.push(
      table(
        ['benchmark', 'otelite ns', 'official ns', 'per', 'otelite is', 'note'],
        r.micro.results.map((m) => [m.name, f(m.oteliteNs, 1), f(m.officialNs, 1), m.unit, `${f(m.speedup, 2)}× ${m.speedup >= 1 ? 'faster' : 'as fast'}`, m.note ?? '']),
        ['---', '---:', '---:', '---', '---:', '---'],
      ),
      '',
    );
    for (const failure of r.micro.failures) lines.push(`- failed: ${failure.split('\n')[0]}`);
    if (r.micro.failures.length) lines.push('');
  }

  lines.push('## Versions', '');
  lines.push(table(['component', 'version'], Object.entries(r.versions).map(([k, v]) => [k, v])), '');

  lines.push('## Commands', '');
  lines.push('Servers (`bench/servers/<server>.cjs`; `<sink>` is the suite\'s sink on 127.0.0.1; the realistic server also gets `BENCH_PG_*`, `BENCH_REDIS_URL`, `BENCH_BACKEND_URL`):', '');
  lines.push('```');
  for (const [id, cmd] of Object.entries(r.commands.agents)) lines.push(`# ${id}`, cmd);
  lines.push('```', '');
  lines.push('Load (one warm-up run, then the measured run):', '', '```', r.commands.load, '```', '');
  lines.push('Micro-benchmarks:', '', '```', ...r.commands.micro, '```', '');

  if (r.notes.length > 0) {
    lines.push('## Notes', '');
    for (const n of r.notes) lines.push(`- ${n}`);
    lines.push('');
  }
  return lines.join('\n');
}
