import type { Clock } from '../../../src/core/clock.ts';
import { AlertEvaluator, type AlertRule } from '../../../src/detection/alert-rule.ts';
import type { ExternalAlertSource, ObservedAlert } from '../../../src/detection/alert-source.ts';
import { MetricStore } from '../../../src/detection/metric-store.ts';
import type { Sample } from '../../../src/detection/prometheus-text.ts';

export interface FakeAlertSourceOptions {
  kind?: 'prometheus' | 'alertmanager';
  /** The rules it evaluates, each on `samples()` taken when it is read. */
  rules: AlertRule[];
  samples: () => Sample[];
  /** What it says its rules are (Prometheus); undefined: it cannot tell (Alertmanager). */
  known?: string[];
  /** Alerts Alertmanager holds under a silence. */
  silenced?: string[];
}

/**
 * A Prometheus (or the Alertmanager behind one) on the fake clock: it evaluates its rules on the
 * fake stack's samples each time it is read, so it fires on its own schedule, and can be made to not
 * know a rule, to silence an alert, or to stop answering.
 */
export class FakeAlertSource implements ExternalAlertSource {
  readonly kind: 'prometheus' | 'alertmanager';
  readonly url = 'http://127.0.0.1:9/fake';
  unreachable = false;
  private readonly store = new MetricStore(10 * 60_000, 2_000);
  private readonly evaluators: AlertEvaluator[];

  constructor(
    private readonly clock: Clock,
    private readonly options: FakeAlertSourceOptions,
  ) {
    this.kind = options.kind ?? 'prometheus';
    this.evaluators = options.rules.map((rule) => new AlertEvaluator(rule));
  }

  async check(): Promise<void> {
    if (this.unreachable) throw new Error('connect ECONNREFUSED');
  }

  async alerts(): Promise<Map<string, ObservedAlert>> {
    if (this.unreachable) throw new Error('connect ECONNREFUSED');
    const now = this.clock.now();
    this.store.add(this.options.samples(), now);
    const alerts = new Map<string, ObservedAlert>();
    for (const evaluator of this.evaluators) {
      evaluator.evaluate({ store: this.store, now, scale: (ms) => this.clock.scaled(ms) });
      if (evaluator.state === 'inactive') continue;
      const silenced = this.options.silenced?.includes(evaluator.rule.name);
      alerts.set(evaluator.rule.name, {
        state: evaluator.state,
        ...(silenced ? { suppressed: { by: 'silence' as const, ids: ['silence-1'] } } : {}),
      });
    }
    return alerts;
  }

  async knownAlerts(): Promise<Set<string> | undefined> {
    return this.options.known ? new Set(this.options.known) : undefined;
  }
}
