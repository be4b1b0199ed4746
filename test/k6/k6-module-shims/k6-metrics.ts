import { type MetricType, registry } from './metrics-registry.ts';
import { contextTags } from './vu-context.ts';

class Metric {
  constructor(
    readonly name: string,
    private readonly type: MetricType,
  ) {}

  add(value: number | boolean, tags: Record<string, string> = {}): void {
    registry.add(this.name, this.type, Number(value), { ...contextTags(), ...tags });
  }
}

export class Counter extends Metric {
  constructor(name: string) {
    super(name, 'counter');
  }
}

export class Gauge extends Metric {
  constructor(name: string) {
    super(name, 'gauge');
  }
}

export class Rate extends Metric {
  constructor(name: string) {
    super(name, 'rate');
  }
}

export class Trend extends Metric {
  constructor(name: string, _isTime?: boolean) {
    super(name, 'trend');
  }
}
