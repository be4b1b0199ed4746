import fs from 'node:fs/promises';
import path from 'node:path';
import { StackUnavailableError } from '../core/errors.ts';
import { freePort } from '../core/free-port.ts';
import { httpRequest } from '../core/http-client.ts';
import { waitUntil } from '../core/wait.ts';
import { BinaryService } from '../stack/binary-service.ts';
import type { Stack } from '../stack/stack.ts';
import type { AlertRule } from './alert-rule.ts';
import { promDuration } from './expr.ts';
import { MetricsEndpoint } from './metrics-endpoint.ts';
import { alertmanagerConfig, prometheusConfig, ruleFile, type Scale } from './prometheus-config.ts';
import type { PublishedExporters } from './stack-metrics.ts';

/**
 * Prometheus cannot usefully go below this scrape and evaluation interval: its scrape timeout is the
 * interval itself, and one scrape of the pods (every replica's /metrics, under load) takes tens of
 * milliseconds; below it, scrapes time out and rounds are missed.
 */
export const MIN_PROMETHEUS_INTERVAL_MS = 100;

/** The Debian packages that ship each binary (the upstream name too, for a tarball install). */
const BINARIES = {
  prometheus: { names: ['prometheus'], package: 'prometheus' },
  alertmanager: { names: ['prometheus-alertmanager', 'alertmanager'], package: 'prometheus-alertmanager' },
} as const;

async function onPath(name: string): Promise<string | undefined> {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
    const file = path.join(dir, name);
    try {
      await fs.access(file, fs.constants.X_OK);
      return file;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** The Prometheus and Alertmanager binaries on PATH, or exit 3 naming the package to install. */
export async function requireMonitoringBinaries(): Promise<{ prometheus: string; alertmanager: string }> {
  const found: Record<string, string> = {};
  const missing: string[] = [];
  for (const [key, binary] of Object.entries(BINARIES)) {
    const file = (await Promise.all(binary.names.map(onPath))).find(Boolean);
    if (file) found[key] = file;
    else missing.push(`${binary.names[0]} (Debian package ${binary.package})`);
  }
  if (missing.length > 0)
    throw new StackUnavailableError(
      `gameday runs a real Prometheus and Alertmanager for --alert-source prometheus|alertmanager, but ${missing.join(' and ')} is not on PATH: install it with \`apt-get install ${Object.values(
        BINARIES,
      )
        .filter((binary) => missing.some((m) => m.startsWith(binary.names[0])))
        .map((binary) => binary.package)
        .join(' ')}\`, or give --prometheus-url/--alertmanager-url for one you run`,
    );
  return found as { prometheus: string; alertmanager: string };
}

export interface MonitoringOptions {
  /** Every alert rule to load (the scenarios' alerts and the guards). */
  rules: readonly AlertRule[];
  /** Runbook ms → wall ms: rule windows, `for` and Alertmanager's waits at the run's time scale. */
  scale: Scale;
  /** Scrape and evaluation interval (wall ms), at least MIN_PROMETHEUS_INTERVAL_MS. */
  intervalMs: number;
  onProgress?: (line: string) => void;
}

async function ready(url: string): Promise<boolean> {
  return (await httpRequest(url, { timeoutMs: 1_000 }).catch(() => undefined))?.status === 200;
}

/**
 * A real Prometheus and Alertmanager (Debian's, from PATH) run beside a stack gameday started, as a
 * team runs them beside theirs: Prometheus scrapes the backend's pods, gameday's PostgreSQL exporter
 * and the deployment's state (each over HTTP on a loopback port, serving what gameday's own scrape
 * round last read: see StackMetrics), evaluates the rules `gameday export rules` writes, at the run's
 * time scale, and sends what fires to Alertmanager. Both are adopted by the
 * stack: stopped with it, and recorded with its processes so a crashed run's are stopped by the next.
 */
export class MonitoringStack {
  private stopping: Promise<void> | undefined;

  private constructor(
    readonly prometheusUrl: string,
    readonly alertmanagerUrl: string,
    readonly exporters: Required<PublishedExporters>,
    readonly intervalMs: number,
    private readonly services: BinaryService[],
  ) {}

  static async start(stack: Stack, options: MonitoringOptions): Promise<MonitoringStack> {
    if (!stack.companionDir || !stack.adopt)
      throw new StackUnavailableError(
        `the ${stack.kind} stack cannot run gameday's Prometheus: give --prometheus-url or --alertmanager-url (or "monitoring" in the stack config)`,
      );
    const binaries = await requireMonitoringBinaries();
    const intervalMs = Math.max(options.intervalMs, MIN_PROMETHEUS_INTERVAL_MS);
    const dir = await stack.companionDir('monitoring');
    const exporters: Required<PublishedExporters> = {
      postgres: await MetricsEndpoint.start('postgres'),
      kubeState: await MetricsEndpoint.start('kube-state'),
      pods: await MetricsEndpoint.start('pods'),
    };
    const services: BinaryService[] = [];
    const closeAll = async () => {
      await Promise.all(services.map((service) => service.stop()));
      await Promise.all(Object.values(exporters).map((endpoint) => endpoint.close()));
    };
    try {
      const amPort = await freePort();
      const promPort = await freePort();
      const alertmanagerUrl = `http://127.0.0.1:${amPort}`;
      const prometheusUrl = `http://127.0.0.1:${promPort}`;
      await fs.writeFile(
        path.join(dir, 'rules.yml'),
        ruleFile(options.rules, { scale: options.scale, evaluationIntervalMs: intervalMs }),
      );
      await fs.writeFile(path.join(dir, 'alertmanager.yml'), alertmanagerConfig({ scale: options.scale }));
      await fs.writeFile(
        path.join(dir, 'prometheus.yml'),
        prometheusConfig({
          scrapeIntervalMs: intervalMs,
          evaluationIntervalMs: intervalMs,
          ruleFiles: [path.join(dir, 'rules.yml')],
          alertmanagers: [`127.0.0.1:${amPort}`],
          jobs: [
            { name: 'chat-backend', targets: [exporters.pods.target], honorLabels: true },
            { name: 'postgres', targets: [exporters.postgres.target] },
            { name: 'kube-state-metrics', targets: [exporters.kubeState.target] },
          ],
        }),
      );
      const alertmanager = new BinaryService({
        name: 'alertmanager',
        command: binaries.alertmanager,
        args: [
          `--config.file=${path.join(dir, 'alertmanager.yml')}`,
          `--storage.path=${path.join(dir, 'alertmanager-data')}`,
          `--web.listen-address=127.0.0.1:${amPort}`,
          // No cluster: its gossip port would listen on every address.
          '--cluster.listen-address=',
        ],
        logFile: path.join(dir, 'alertmanager.log'),
        ready: () => ready(`${alertmanagerUrl}/-/ready`),
      });
      services.push(alertmanager);
      await alertmanager.start();
      await stack.adopt({ name: 'alertmanager', pid: alertmanager.pid, stop: () => alertmanager.stop() });
      const prometheus = new BinaryService({
        name: 'prometheus',
        command: binaries.prometheus,
        args: [
          `--config.file=${path.join(dir, 'prometheus.yml')}`,
          `--storage.tsdb.path=${path.join(dir, 'prometheus-data')}`,
          `--web.listen-address=127.0.0.1:${promPort}`,
          // Scaled like everything else: a series is stale after four rounds without a sample (as
          // gameday's own store has it), a firing alert is re-sent every scaled minute.
          `--query.lookback-delta=${promDuration(Math.max(2_000, 4 * intervalMs))}`,
          `--rules.alert.resend-delay=${promDuration(Math.max(intervalMs, options.scale(60_000)))}`,
          `--scrape.discovery-reload-interval=${promDuration(intervalMs)}`,
          '--storage.tsdb.retention.time=1d',
        ],
        logFile: path.join(dir, 'prometheus.log'),
        ready: () => ready(`${prometheusUrl}/-/ready`),
      });
      services.push(prometheus);
      await prometheus.start();
      await stack.adopt({ name: 'prometheus', pid: prometheus.pid, stop: () => prometheus.stop() });
      const monitoring = new MonitoringStack(prometheusUrl, alertmanagerUrl, exporters, intervalMs, services);
      // Prometheus hands its first targets to the scrapers after its discovery's 5 s tick.
      options.onProgress?.('monitoring: waiting for Prometheus to scrape its targets');
      await waitUntil(() => monitoring.scraping(), {
        timeoutMs: 30_000,
        intervalMs: 200,
        what: 'Prometheus to scrape its targets',
      });
      return monitoring;
    } catch (error) {
      await closeAll();
      throw new StackUnavailableError(
        `gameday's Prometheus and Alertmanager could not start: ${(error as Error).message}${services.map((service) => `\n${service.options.name} log:\n${service.tail()}`).join('')}`,
        { cause: error },
      );
    }
  }

  /** Every target has been scraped at least once. */
  private async scraping(): Promise<boolean> {
    const response = await httpRequest<{ data: { activeTargets: { health: string }[] } }>(
      `${this.prometheusUrl}/api/v1/targets?state=active`,
      { timeoutMs: 1_000 },
    );
    const targets = response.body.data?.activeTargets ?? [];
    return targets.length === 3 && targets.every((target) => target.health !== 'unknown');
  }

  /** One scrape plus one evaluation: how far Prometheus may lag gameday's evaluator and still agree. */
  get parityToleranceMs(): number {
    return 2 * this.intervalMs;
  }

  stop(): Promise<void> {
    this.stopping ??= (async () => {
      await Promise.all(this.services.map((service) => service.stop()));
      await Promise.all(Object.values(this.exporters).map((endpoint) => endpoint.close()));
    })();
    return this.stopping;
  }
}
