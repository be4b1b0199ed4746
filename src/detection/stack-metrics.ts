import type { Stack } from '../stack/stack.ts';
import { DatabaseExporter } from './database-exporter.ts';
import { deploymentState } from './deployment-state.ts';
import { MetricStore } from './metric-store.ts';
import type { MetricsEndpoint } from './metrics-endpoint.ts';
import type { MetricsSource } from './metrics-source.ts';
import type { Sample } from './prometheus-text.ts';
import { Scraper } from './scraper.ts';

/** The exporters a real Prometheus scrapes over HTTP while gameday runs it (see MonitoringStack). */
export interface PublishedExporters {
  /** postgres_exporter's place: connections, the oldest query, runbook 6's integrity checks. */
  postgres?: MetricsEndpoint;
  /** kube-state-metrics' place: the replicas' restarts. */
  kubeState?: MetricsEndpoint;
  /** The backend replicas, each sample labelled with its pod (see replica-relay.ts); left out where Prometheus scrapes the backend itself. */
  pods?: MetricsEndpoint;
}

export interface StackMetricsOptions {
  intervalMs: number;
  /** Runbook 6's integrity checks as a scheduled job this often (wall ms); undefined leaves them out. */
  integrityIntervalMs?: number;
  /** message_ids the application acknowledged, for the integrity checks. */
  acknowledged: () => string[];
  /** Serve the same exporters over HTTP for a real Prometheus, for as long as this scenario runs. */
  publish?: PublishedExporters | undefined;
}

/**
 * What Prometheus would scrape from the stack: every backend replica's /metrics, a PostgreSQL
 * exporter on whichever server is the primary now, and the deployment's state as kube-state-metrics
 * gives it.
 */
export class StackMetrics implements MetricsSource {
  readonly store: MetricStore;
  private readonly exporter: DatabaseExporter;
  private scraper: Scraper | undefined;
  /** Each target's last page, for the endpoints a real Prometheus scrapes. */
  private readonly pages = new Map<string, { samples: Sample[]; at: number }>();

  constructor(
    private readonly stack: Stack,
    private readonly options: StackMetricsOptions,
  ) {
    this.store = new MetricStore(10 * 60_000, Math.max(2_000, 4 * options.intervalMs));
    this.exporter = new DatabaseExporter({
      url: () => stack.database.adminUrl(),
      integrityIntervalMs: options.integrityIntervalMs,
      acknowledged: options.acknowledged,
    });
  }

  start(onSample: (at: number) => void): void {
    const { stack } = this;
    this.scraper = new Scraper({
      store: this.store,
      intervalMs: this.options.intervalMs,
      collectors: [
        { name: 'postgres', collect: () => this.exporter.collect() },
        { name: 'deployment', collect: async () => deploymentState(stack) },
      ],
      targets: () => stack.backend.replicas().map((replica) => ({ name: replica.name, url: replica.url })),
      onScrape: (at) => {
        this.publishRound();
        onSample(at);
      },
      // Each page is published as soon as it is read, as Prometheus scrapes each target on its own:
      // a hung database's exporter (up to its 1 s deadline) must not hold back the backend's metrics.
      onTarget: (name, samples, at) => {
        if (!samples) return;
        this.pages.set(name, { samples, at });
        this.publishTarget(name);
      },
    });
    this.scraper.start();
  }

  /**
   * After each round, what it read, for the real Prometheus's endpoints: each target's last page while
   * it is fresh (a target that stops answering goes stale, as in the store).
   */
  private publishRound(): void {
    for (const name of ['postgres', 'deployment', 'pods']) this.publishTarget(name);
  }

  /** The endpoint that serves `target`'s page: the exporters by name, any other target is a pod. */
  private publishTarget(target: string): void {
    const { publish } = this.options;
    if (!publish) return;
    const freshMs = this.store.stalenessMs;
    if (target === 'postgres') publish.postgres?.publish(this.page('postgres'), freshMs);
    else if (target === 'deployment') publish.kubeState?.publish(this.page('deployment'), freshMs);
    else
      publish.pods?.publish(
        this.stack.backend.replicas().flatMap((replica) =>
          this.page(replica.name).map((sample) => ({
            ...sample,
            labels: { ...sample.labels, pod: replica.name },
          })),
        ),
        freshMs,
      );
  }

  /** A target's last page while it is fresh (a target that stops answering goes stale, as in the store). */
  private page(name: string): Sample[] {
    const page = this.pages.get(name);
    return page && Date.now() - page.at <= this.store.stalenessMs ? page.samples : [];
  }

  async stop(): Promise<void> {
    await this.scraper?.stop();
    for (const endpoint of Object.values(this.options.publish ?? {})) endpoint?.clear();
    await this.exporter.close();
  }
}
