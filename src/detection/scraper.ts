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
  /** Collectors still answering a round that went on without them. */
  private readonly busyCollectors = new Set<string>();
  private readonly background = new Set<Promise<void>>();
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
    // Nothing may land in the store (or on a published endpoint) after the scraper stopped.
    await Promise.all(this.background);
  }

  async scrapeOnce(): Promise<void> {
    const at = Date.now();
    const deadlineMs = Math.max(1_000, this.options.intervalMs * 4);
    // Prometheus scrapes each target on its own loop: a collector that is slow (the database exporter
    // against a frozen primary) must not slow the backend's scrapes, which the alerts need most then.
    // The round waits for the collectors one interval at most; a slower one finishes in the background,
    // adds its samples at its own time, and is not started again until it has (or its deadline passed).
    const collected = (this.options.collectors ?? [])
      .filter((collector) => !this.busyCollectors.has(collector.name))
      .map((collector) => {
        this.busyCollectors.add(collector.name);
        return Promise.race([collector.collect(), sleep(deadlineMs).then(() => undefined)])
          .catch(() => undefined)
          .then((samples) => {
            if (samples) this.options.store.add(samples, at, { target: collector.name });
            else this.failures += 1;
            this.options.onTarget?.(collector.name, samples, at);
          })
          .finally(() => this.busyCollectors.delete(collector.name));
      });
    for (const collecting of collected) {
      const tracked: Promise<void> = collecting.finally(() => this.background.delete(tracked));
      this.background.add(tracked);
    }
    const collectorsWithin = Promise.race([Promise.all(collected), sleep(this.options.intervalMs)]);
    const targets = this.options.targets();
    const current = new Set(targets.map((target) => target.name));
    for (const gone of this.previousTargets) if (!current.has(gone)) this.options.store.markStale(gone, at);
    this.previousTargets = current;
    await Promise.all([
      collectorsWithin,
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
