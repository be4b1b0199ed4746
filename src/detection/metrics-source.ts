import type { MetricStore } from './metric-store.ts';

/**
 * Where a scenario's measurements come from: samples land in `store`, and `onSample` runs after each
 * round with its time, where the alert and the recovery checks are evaluated.
 */
export interface MetricsSource {
  readonly store: MetricStore;
  start(onSample: (at: number) => void): void;
  /** Stops sampling; resolves once the round under way (if any) has finished. */
  stop(): Promise<void>;
}
