import { formatMs, formatNumber } from '../core/format.ts';
import type { AlertRule } from '../detection/alert-rule.ts';
import { compare } from '../detection/alert-rule.ts';
import { type EvaluationContext, type Expr, evaluate } from '../detection/expr.ts';
import { holds } from '../runbooks/judge-claims.ts';
import type { ClaimResult } from './result.ts';

export type ResolvedClaim =
  | {
      kind: 'per-unit';
      claim: string;
      claimed: number;
      unit: string;
      holds: 'about' | 'at-most';
      numerator: Expr;
      denominator: Expr;
    }
  | {
      kind: 'time-until';
      claim: string;
      /** Runbook milliseconds. */
      claimed: number;
      holds: 'about' | 'at-most';
      expr: Expr;
      comparator: AlertRule['comparator'];
      threshold: number;
    };

type Phase = 'baseline' | 'fault' | 'remedied';

const verdict = (bound: 'about' | 'at-most', measured: number, claimed: number) =>
  holds({ bound, value: claimed }, measured) ? 'holds' : 'does not hold';

/**
 * Measures the runbook's claims during a scenario, from the same scrapes the alert sees: the value
 * per unit between the fault's start and its peak, or how long after the remedy a signal settles.
 */
export class ClaimMeter {
  private readonly perUnit = new Map<number, { before?: [number, number]; peak?: [number, number] }>();
  private readonly settledAt = new Map<number, number>();
  /**
   * For a gauge's time-until claim, the scrape targets (replicas) whose value had not settled during
   * the fault, and whether any of them was still there when it settled: if none was, the remedy
   * replaced them, and what settled is the new replicas' fresh state, not the claim's behaviour.
   */
  private readonly unsettledTargets = new Map<number, Set<string>>();
  private readonly settledOnReplacements = new Map<number, boolean>();
  private remediedAt: number | undefined;

  constructor(
    private readonly claims: ResolvedClaim[],
    /** Wall milliseconds → runbook milliseconds. */
    private readonly atRunbookScale: (wallMs: number) => number,
  ) {}

  /** The remedy's last step is done: time-until claims count from here. */
  remedied(at: number): void {
    this.remediedAt ??= at;
  }

  observe(phase: Phase, context: EvaluationContext): void {
    this.claims.forEach((claim, index) => {
      if (claim.kind === 'per-unit') {
        const numerator = evaluate(claim.numerator, context);
        const denominator = evaluate(claim.denominator, context);
        if (numerator === undefined || denominator === undefined) return;
        const entry = this.perUnit.get(index) ?? {};
        if (phase === 'baseline') entry.before = [numerator, denominator];
        else if (phase === 'fault' && (!entry.peak || denominator > entry.peak[1]))
          entry.peak = [numerator, denominator];
        this.perUnit.set(index, entry);
      } else if (phase === 'fault' && claim.expr.fn === 'value' && this.remediedAt === undefined) {
        const unsettled = this.unsettledTargets.get(index) ?? new Set<string>();
        for (const series of this.gaugeSeries(claim.expr, context))
          if (!compare(series.value, claim.comparator, claim.threshold))
            unsettled.add(series.labels.target ?? '');
        this.unsettledTargets.set(index, unsettled);
      } else if (
        this.remediedAt !== undefined &&
        // A scrape taken before the remedy finished says nothing about after it.
        context.now >= this.remediedAt &&
        !this.settledAt.has(index)
      ) {
        const value = evaluate(claim.expr, context);
        if (value !== undefined && compare(value, claim.comparator, claim.threshold)) {
          this.settledAt.set(index, context.now);
          const unsettled = this.unsettledTargets.get(index);
          if (unsettled && unsettled.size > 0 && claim.expr.fn === 'value') {
            const present = this.gaugeSeries(claim.expr, context).map((series) => series.labels.target ?? '');
            this.settledOnReplacements.set(
              index,
              present.every((target) => !unsettled.has(target)),
            );
          }
        }
      }
    });
  }

  private gaugeSeries(expr: Expr & { fn: 'value' }, context: EvaluationContext) {
    return context.store.latest(expr.metric, expr.match, context.now);
  }

  results(): ClaimResult[] {
    return this.claims.map((claim, index) => {
      const unit = claim.kind === 'per-unit' ? claim.unit : 'ms';
      const result = (measured: number | null, detail: string): ClaimResult => ({
        claim: claim.claim,
        claimed: claim.claimed,
        measured,
        unit,
        verdict: measured === null ? 'not measured' : verdict(claim.holds, measured, claim.claimed),
        detail,
      });
      if (claim.kind === 'per-unit') {
        const { before, peak } = this.perUnit.get(index) ?? {};
        const units = before && peak ? peak[1] - before[1] : 0;
        if (!before || !peak || units <= 0)
          return result(null, 'the denominator did not grow during the fault');
        return result(
          (peak[0] - before[0]) / units,
          `grew ${formatNumber(peak[0] - before[0])} over ${units} more (${before[1]} → ${peak[1]})`,
        );
      }
      const settled = this.settledAt.get(index);
      if (this.remediedAt === undefined || settled === undefined)
        return result(
          null,
          this.remediedAt === undefined ? 'the remedy did not finish' : 'the signal never settled',
        );
      const here = formatMs(settled - this.remediedAt);
      if (this.settledOnReplacements.get(index)) {
        const replaced = [...this.unsettledTargets.get(index)!].join(', ');
        return result(
          null,
          `not exercised: the remedy replaced every replica that showed it during the fault (${replaced}); the new ones were fine ${here} here after the remedy`,
        );
      }
      const measured = this.atRunbookScale(settled - this.remediedAt);
      return result(measured, `${here} here after the remedy, ${formatMs(measured)} at runbook scale`);
    });
  }
}
