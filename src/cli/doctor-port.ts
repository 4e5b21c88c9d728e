import { createServer } from 'node:net';
import { prometheusUrl } from '../config/describe';
import type { Config } from '../config/types';
import type { CheckResult } from './doctor-probe';

/**
 * The doctor's Prometheus check: where the exporter will serve `/metrics`, and whether it can,
 * found by listening on that host and port for a moment exactly as the exporter does
 * (src/export/prometheus/server.ts) and closing at once. Nothing else listens in between.
 */

/** Why the exporter could not listen, and what to change, from the error `listen` gave. */
function whyNot(error: NodeJS.ErrnoException, host: string, port: number): string {
  switch (error.code) {
    case 'EADDRINUSE':
      // The app itself, already running with the agent, holds it too: say so rather than guess.
      return `port ${port} on ${host} is already in use (by another process, or by the app already running with otelite); set OTEL_EXPORTER_PROMETHEUS_PORT to a free port`;
    case 'EACCES':
      return `port ${port} needs privileges to listen on; set OTEL_EXPORTER_PROMETHEUS_PORT to a port above 1023`;
    case 'EADDRNOTAVAIL':
      return `${host} is not an address of this machine; set OTEL_EXPORTER_PROMETHEUS_HOST to one (localhost, 0.0.0.0 for every interface)`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `the host ${host} cannot be resolved; check OTEL_EXPORTER_PROMETHEUS_HOST`;
    default:
      return `${error.message}; check OTEL_EXPORTER_PROMETHEUS_HOST and OTEL_EXPORTER_PROMETHEUS_PORT`;
  }
}

function tryListen(host: string, port: number): Promise<NodeJS.ErrnoException | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', (error: NodeJS.ErrnoException) => resolve(error));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(undefined)));
  });
}

/** The check, when prometheus is among the metrics exporters and the agent is enabled; else none. */
export async function checkPrometheus(config: Config): Promise<CheckResult[]> {
  const { exporters, prometheus } = config.metrics;
  if (config.disabled || !exporters.includes('prometheus')) return [];
  const url = prometheusUrl(prometheus);
  const error = await tryListen(prometheus.host, prometheus.port);
  if (error === undefined) {
    return [
      {
        label: 'prometheus',
        state: 'passed',
        summary: `the app will serve ${url} for Prometheus to scrape (the port is free now)`,
        headline: `Prometheus can scrape ${url} (port free)`,
      },
    ];
  }
  const problem = whyNot(error, prometheus.host, prometheus.port);
  return [{ label: 'prometheus', state: 'failed', summary: `FAILED: cannot serve ${url}: ${problem}`, headline: `prometheus: cannot serve ${url}: ${problem}` }];
}
