import type { Stack } from '../stack/stack.ts';
import { DatabaseExporter } from './database-exporter.ts';
import { deploymentState } from './deployment-state.ts';
import { MetricStore } from './metric-store.ts';
import type { MetricsSource } from './metrics-source.ts';
import { Scraper } from './scraper.ts';

export interface StackMetricsOptions {
  intervalMs: number;
  /** Runbook 6's integrity checks as a scheduled job this often (wall ms); undefined leaves them out. */
  integrityIntervalMs?: number;
  /** message_ids the application acknowledged, for the integrity checks. */
  acknowledged: () => string[];
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
      onScrape: onSample,
    });
    this.scraper.start();
  }

  async stop(): Promise<void> {
    await this.scraper?.stop();
    await this.exporter.close();
  }
}
