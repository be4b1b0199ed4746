import { httpRequest } from '../core/http-client.ts';
import { sleep } from '../core/wait.ts';
import type { MetricStore } from './metric-store.ts';
import { parsePrometheusText, type Sample } from './prometheus-text.ts';

export interface ScrapeTarget {
  name: string;
  url: string;
}

/** A source that is not an HTTP endpoint (the database exporter): gives its samples when asked. */
export interface Collector {
  name: string;
  collect(): Promise<Sample[]>;
}

export interface ScraperOptions {
  store: MetricStore;
  /** Asked before every scrape: replicas come and go during rollouts and scaling. */
  targets: () => ScrapeTarget[];
  intervalMs: number;
  collectors?: Collector[];
  /** Runs after each scrape with its time (alert evaluation). */
  onScrape?: (at: number) => void;
  /** Each target's and collector's samples as scraped (undefined: it did not answer in time). */
  onTarget?: (name: string, samples: Sample[] | undefined, at: number) => void;
}

/** Scrapes every target's /metrics on a fixed interval, as Prometheus scrapes pods. */
export class Scraper {
  scrapes = 0;
  failures = 0;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  /** The targets of the last round: one missing from the next has left (a replaced or removed pod). */
  private previousTargets = new Set<string>();

  constructor(private readonly options: ScraperOptions) {}

  start(): void {
    const tick = () => {
      this.running = this.scrapeOnce().finally(() => {
        if (this.timer !== undefined) this.timer = setTimeout(tick, this.options.intervalMs);
      });
    };
    this.timer = setTimeout(tick, 0);
  }

  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  async scrapeOnce(): Promise<void> {
    const at = Date.now();
    const deadlineMs = Math.max(1_000, this.options.intervalMs * 4);
    // A collector that does not answer in time (a hung database) must not hold up the backend's
    // metrics, which the alerts need most then: its sample is missed, as Prometheus's would be.
    const collected = (this.options.collectors ?? []).map(async (collector) => {
      const samples = await Promise.race([collector.collect(), sleep(deadlineMs).then(() => undefined)]);
      if (samples) this.options.store.add(samples, at, { target: collector.name });
      else this.failures += 1;
      this.options.onTarget?.(collector.name, samples, at);
    });
    const targets = this.options.targets();
    const current = new Set(targets.map((target) => target.name));
    for (const gone of this.previousTargets) if (!current.has(gone)) this.options.store.markStale(gone, at);
    this.previousTargets = current;
    await Promise.all([
      ...collected,
      ...targets.map(async (target) => {
        try {
          const response = await httpRequest<string>(`${target.url}/metrics`, {
            timeoutMs: deadlineMs,
          });
          if (response.status !== 200) throw new Error(`HTTP ${response.status}`);
          const samples = parsePrometheusText(response.raw.toString('utf8'));
          this.options.store.add(samples, at, { target: target.name });
          this.options.onTarget?.(target.name, samples, at);
        } catch {
          this.failures += 1;
          this.options.onTarget?.(target.name, undefined, at);
        }
      }),
    ]);
    this.scrapes += 1;
    this.options.onScrape?.(at);
  }
}
