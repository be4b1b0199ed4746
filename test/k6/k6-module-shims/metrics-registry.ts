export type MetricType = 'counter' | 'gauge' | 'rate' | 'trend';

export interface Sample {
  value: number;
  tags: Record<string, string>;
}

/** Every sample of a run, as k6's metrics engine would receive them (one registry for all VUs). */
export class MetricsRegistry {
  readonly metrics = new Map<string, { type: MetricType; samples: Sample[] }>();

  add(name: string, type: MetricType, value: number, tags: Record<string, string>): void {
    let metric = this.metrics.get(name);
    if (!metric) {
      metric = { type, samples: [] };
      this.metrics.set(name, metric);
    }
    metric.samples.push({ value, tags });
  }

  /** The samples of `name` whose tags include every one of `filter` (a k6 submetric). */
  samples(name: string, filter: Record<string, string> = {}): Sample[] {
    const samples = this.metrics.get(name)?.samples ?? [];
    return samples.filter((sample) =>
      Object.entries(filter).every(([key, value]) => sample.tags[key] === value),
    );
  }

  clear(): void {
    this.metrics.clear();
  }
}

export const registry = new MetricsRegistry();
