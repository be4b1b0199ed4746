import { type EvaluationContext, type Expr, evaluate, promDuration, toPromQL } from './expr.ts';

export type Comparator = '>' | '>=' | '<' | '<=';

export function compare(value: number, comparator: Comparator, threshold: number): boolean {
  switch (comparator) {
    case '>':
      return value > threshold;
    case '>=':
      return value >= threshold;
    case '<':
      return value < threshold;
    case '<=':
      return value <= threshold;
  }
}

/** One alert, defined once: evaluated by the harness, exportable as a Prometheus alerting rule. */
export interface AlertRule {
  name: string;
  expr: Expr;
  comparator: Comparator;
  threshold: number;
  /** How long the condition must hold before the alert fires (runbook time). */
  forMs: number;
  severity: string;
  runbook: number;
  /** Where the threshold and duration came from, for the report. */
  origin: string;
}

export type AlertState = 'inactive' | 'pending' | 'firing';

export interface AlertTransition {
  at: number;
  from: AlertState;
  to: AlertState;
  value: number | undefined;
}

/** Prometheus' alert state machine: inactive → pending (condition true) → firing (held for `for`). */
export class AlertEvaluator {
  state: AlertState = 'inactive';
  private pendingSince: number | undefined;
  lastValue: number | undefined;

  constructor(readonly rule: AlertRule) {}

  evaluate(context: EvaluationContext): AlertTransition | undefined {
    const value = evaluate(this.rule.expr, context);
    this.lastValue = value;
    const active = value !== undefined && compare(value, this.rule.comparator, this.rule.threshold);
    const previous = this.state;
    if (!active) {
      this.pendingSince = undefined;
      this.state = 'inactive';
    } else {
      this.pendingSince ??= context.now;
      this.state = context.now - this.pendingSince >= context.scale(this.rule.forMs) ? 'firing' : 'pending';
    }
    return previous === this.state ? undefined : { at: context.now, from: previous, to: this.state, value };
  }
}

/** A Prometheus alerting rule, as one entry of a rule group. */
export interface PrometheusRule {
  alert: string;
  expr: string;
  for: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

/**
 * The rule as a Prometheus alerting rule (one entry of a rule group): at runbook time, or with its
 * windows and `for` scaled as the run scales them (`scale`: runbook ms → wall ms).
 */
export function toPrometheusRule(
  rule: AlertRule,
  scale: (runbookMs: number) => number = (ms) => ms,
): PrometheusRule {
  return {
    alert: rule.name,
    expr: `${toPromQL(rule.expr, scale)} ${rule.comparator} ${rule.threshold}`,
    for: promDuration(scale(rule.forMs)),
    labels: { severity: rule.severity, runbook: String(rule.runbook) },
    annotations: { summary: `${rule.name} (runbook ${rule.runbook})`, origin: rule.origin },
  };
}
