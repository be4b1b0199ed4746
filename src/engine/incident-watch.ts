import type { Clock } from '../core/clock.ts';
import { AlertEvaluator, type AlertRule, type AlertState, compare } from '../detection/alert-rule.ts';
import type { ObservedAlert } from '../detection/alert-source.ts';
import { evaluate } from '../detection/expr.ts';
import { KEY_METRICS, type KeyMetric } from '../detection/key-metrics.ts';
import type { MetricStore } from '../detection/metric-store.ts';
import { ClaimMeter } from './claim-meter.ts';
import type { Note } from './journal.ts';
import type { ResolvedScenario } from './resolve-scenario.ts';
import { SeriesRecorder } from './series-recorder.ts';
import type { SourceDetection } from './source-detection.ts';

/** An alert that must stay quiet during the fault: its name, and gameday's own rule where it has one. */
export interface GuardAlert {
  name: string;
  rule?: AlertRule;
}

const MAX_SERIES_POINTS = 600;

/** The window an alert's signal is read over to tell when the damage stopped (runbook time). */
const QUICK_WINDOW_MS = 60_000;

/**
 * An alert's signal over one minute instead of its own window, where that is longer: it clears within
 * a minute of the damage stopping, where the alert's window lags by up to its length. An increase's
 * threshold shrinks with its window; a rate or a ratio keeps its own.
 */
function quickSignal(rule: AlertRule): Pick<AlertRule, 'expr' | 'comparator' | 'threshold'> | undefined {
  const { expr } = rule;
  if (expr.fn === 'value' || expr.windowMs <= QUICK_WINDOW_MS) return undefined;
  const threshold =
    expr.fn === 'max-increase-by' ? (rule.threshold * QUICK_WINDOW_MS) / expr.windowMs : rule.threshold;
  return { expr: { ...expr, windowMs: QUICK_WINDOW_MS }, comparator: rule.comparator, threshold };
}

/** What the samples are taken during: before the fault, while it is live, after the remedy. */
export type WatchPhase = 'baseline' | 'fault' | 'remedied';

export interface IncidentWatchOptions {
  store: MetricStore;
  clock: Clock;
  note: Note;
  /** The scenario's start (epoch ms): series are recorded as offsets from it. */
  startedAt: number;
  /**
   * Recovery may only begin once someone has tried a fix (people at the desk); otherwise an alert that
   * resolves on its own counts (the remedy may still be running).
   */
  recoveryNeedsRemedy: boolean;
  /** The team's alerting system, when detection is read from it (gameday's evaluator still runs, for parity). */
  source?: SourceDetection;
  /** Alerts outside the blast radius: one firing during the fault calls `onGuard` (once). */
  guards?: readonly GuardAlert[];
  onGuard?: (name: string, detail: string) => void;
}

/** One alert as the live view and the report see it. */
export interface AlertView {
  name: string;
  state: AlertState;
  value: number | undefined;
  comparator: AlertRule['comparator'];
  threshold: number;
}

type Watched = Pick<ResolvedScenario, 'rule' | 'recoveryChecks' | 'claims' | 'recoveryNeedsAlertResolved'> &
  Partial<Pick<ResolvedScenario, 'alerts'>>;

/**
 * What happens after each round of samples, in one place: every alert evaluated (transitions noted),
 * the key metrics and the first alert's value recorded as series, the runbook's claims measured, and
 * the recovery gate kept: since when every alert has been clear and every recovery check holding. A
 * compound incident is resolved as a whole: its later faults must all be in place first.
 */
export class IncidentWatch {
  /** One evaluator per alert; the first is the page. */
  private readonly evaluators: AlertEvaluator[];
  /** Each alert's transitions to and from firing since the fault began, in order. */
  private readonly firings = new Map<string, { at: number; firing: boolean }[]>();
  private readonly series = new SeriesRecorder(
    ['alert', ...KEY_METRICS.map((metric) => metric.id)],
    MAX_SERIES_POINTS,
  );
  private readonly claims: ClaimMeter;
  private readonly checkValues = new Map<string, number | undefined>();
  private phase: WatchPhase = 'baseline';
  private recoveringSince: number | undefined;
  /** Since when every recovery check has held, during the fault (undefined when there are none). */
  private checksHoldingSince: number | undefined;
  /** Since when every alert has been clear and every check holding, whether or not the response is over. */
  private clearSince: number | undefined;
  /** The alerts' signals over a minute (see quickSignal), for those whose window is longer. */
  private readonly quickSignals: Pick<AlertRule, 'expr' | 'comparator' | 'threshold'>[];
  /** Since when every quick signal has read below its threshold, during the fault. */
  private quietSince: number | undefined;
  private builtinFiredDuringBaseline = false;
  private readonly guardEvaluators: { name: string; evaluator: AlertEvaluator }[];
  private guardsArmed = false;
  private guardTripped = false;
  /** Faults of a compound incident still to come: recovery cannot begin before they are in. */
  private faultsToCome = false;
  /** The key metrics at the last sample. */
  keyValues: Partial<Record<KeyMetric['id'], number>> = {};

  constructor(
    private readonly resolved: Watched,
    private readonly options: IncidentWatchOptions,
  ) {
    const rules = resolved.alerts?.map((alert) => alert.rule) ?? [resolved.rule];
    this.evaluators = rules.map((rule) => new AlertEvaluator(rule));
    this.quickSignals = rules.flatMap((rule) => quickSignal(rule) ?? []);
    this.claims = new ClaimMeter(resolved.claims, (wallMs) => options.clock.atRunbookScale(wallMs));
    // With a real source the guards are read from it; gameday evaluates them only as the builtin source.
    this.guardEvaluators = options.source
      ? []
      : (options.guards ?? [])
          .filter((guard): guard is Required<GuardAlert> => guard.rule !== undefined)
          .map((guard) => ({ name: guard.name, evaluator: new AlertEvaluator(guard.rule) }));
  }

  /** The source detection is read from (undefined: gameday's own evaluator). */
  get source(): SourceDetection | undefined {
    return this.options.source;
  }

  /** The first time gameday's own evaluator saw the first alert (the page) fire after the fault began. */
  get builtinFiredAt(): number | undefined {
    return this.builtinFiredAtOf(this.rule.name);
  }

  /** When the first alert (the page) fired after the fault began, as the chosen source saw it. */
  get firedAt(): number | undefined {
    return this.options.source ? this.options.source.firedAt : this.builtinFiredAt;
  }

  /** The alert fired before any fault (a false alarm), as the chosen source saw it. */
  get firedDuringBaseline(): boolean {
    return this.options.source ? this.options.source.firedDuringBaseline : this.builtinFiredDuringBaseline;
  }

  /** Firing now, as the chosen source sees it. */
  get firingNow(): boolean {
    return (this.options.source?.state ?? this.alertState) === 'firing';
  }

  /** The first alert's rule: the page. */
  get rule(): AlertRule {
    return this.evaluators[0]!.rule;
  }

  get alertState(): AlertState {
    return this.evaluators[0]!.state;
  }

  get alertValue(): number | undefined {
    return this.evaluators[0]!.lastValue;
  }

  /**
   * When the named alert fired for a fault that began at `since` (epoch ms; default: the first fault):
   * the page as the chosen source saw it (its first firing after the fault began); a compound
   * incident's other alerts as gameday's own evaluator saw them: `since` itself when it was already
   * firing then (a later fault, whose alert an earlier one had set off), else its first firing after it.
   */
  firedAtOf(name: string, since = Number.NEGATIVE_INFINITY): number | undefined {
    if (name === this.rule.name && this.options.source) return this.options.source.firedAt;
    return this.builtinFiredAtOf(name, since);
  }

  /** As `firedAtOf`, as gameday's own evaluator saw it. */
  private builtinFiredAtOf(name: string, since = Number.NEGATIVE_INFINITY): number | undefined {
    let firingAtSince = false;
    for (const { at, firing } of this.firings.get(name) ?? []) {
      if (at <= since) firingAtSince = firing;
      else if (firingAtSince) return since;
      else if (firing) return at;
    }
    return firingAtSince ? since : undefined;
  }

  /** Every alert as it stands, the first first. */
  alerts(): AlertView[] {
    return this.evaluators.map(({ rule, state, lastValue }) => ({
      name: rule.name,
      state,
      value: lastValue,
      comparator: rule.comparator,
      threshold: rule.threshold,
    }));
  }

  /** Faults of a compound incident are still to come (true) or all in place (false). */
  faultsPending(pending: boolean): void {
    this.faultsToCome = pending;
  }

  /** The fault is being injected: from now on a firing alert is a detection, not a false alarm. */
  faultBegins(): void {
    this.phase = 'fault';
    this.guardsArmed = true;
  }

  /** The faults are being reverted: guards no longer stop anything. */
  faultEnds(): void {
    this.guardsArmed = false;
  }

  /**
   * One read of the team's alerting system (see SourceDetection), and of the Prometheus behind an
   * Alertmanager when it is read too; guards are judged on the source.
   */
  observeSource(
    at: number,
    alerts: Map<string, ObservedAlert>,
    prometheus?: Map<string, ObservedAlert>,
  ): void {
    const source = this.options.source;
    if (!source) return;
    source.observe(at, alerts, this.phase !== 'baseline', this.alertState);
    if (prometheus) source.observePrometheus(at, prometheus, this.phase !== 'baseline');
    for (const guard of this.options.guards ?? []) {
      const observed = alerts.get(guard.name);
      if (observed?.state === 'firing') this.guardFired(guard.name, `${source.kind} shows it firing`);
    }
  }

  private guardFired(name: string, detail: string): void {
    if (!this.guardsArmed || this.guardTripped) return;
    this.guardTripped = true;
    this.options.onGuard?.(name, detail);
  }

  /** The response is over (`remedied`: someone carried out a fix; time-until claims count from `at`). */
  responseEnds(at: number, remedied: boolean): void {
    this.phase = 'remedied';
    if (remedied) this.claims.remedied(at);
  }

  /** Evaluates everything on the samples taken at `now`. */
  observe(now: number): void {
    const { store, clock, note, startedAt } = this.options;
    const context = { store, now, scale: (runbookMs: number) => clock.scaled(runbookMs) };
    const transitions = this.evaluators.map((evaluator) => evaluator.evaluate(context));
    this.keyValues = Object.fromEntries(
      KEY_METRICS.map((metric) => [metric.id, evaluate(metric.expr, context)]),
    );
    this.series.record(now - startedAt, { alert: this.alertValue, ...this.keyValues });
    transitions.forEach((transition, index) => {
      if (!transition) return;
      const { name } = this.evaluators[index]!.rule;
      note(`alert-${transition.to}`, `${name} ${transition.from} → ${transition.to}`, {
        value: transition.value,
        alert: name,
      });
      if (this.phase === 'baseline') {
        if (transition.to === 'firing') this.builtinFiredDuringBaseline = true;
        return;
      }
      const firing = transition.to === 'firing';
      const firings = this.firings.get(name) ?? [];
      if ((firings.at(-1)?.firing ?? false) !== firing) firings.push({ at: now, firing });
      this.firings.set(name, firings);
    });
    for (const guard of this.guardEvaluators) {
      guard.evaluator.evaluate(context);
      if (guard.evaluator.state === 'firing')
        this.guardFired(
          guard.name,
          `value ${guard.evaluator.lastValue} ${guard.evaluator.rule.comparator} ${guard.evaluator.rule.threshold}`,
        );
    }
    this.claims.observe(this.phase, context);
    let checksHold = true;
    for (const check of this.resolved.recoveryChecks) {
      const value = evaluate(check.expr, context);
      this.checkValues.set(check.name, value);
      if (value === undefined || !compare(value, check.comparator, check.threshold)) checksHold = false;
    }
    const alertsInactive = this.evaluators.every(
      (evaluator) => evaluator.state === 'inactive' && evaluator.lastValue !== undefined,
    );
    if (this.phase !== 'baseline' && !this.faultsToCome) {
      const signalsClear = checksHold && (!this.resolved.recoveryNeedsAlertResolved || alertsInactive);
      this.clearSince = signalsClear ? (this.clearSince ?? now) : undefined;
      this.checksHoldingSince =
        checksHold && this.resolved.recoveryChecks.length > 0 ? (this.checksHoldingSince ?? now) : undefined;
      const quiet =
        this.quickSignals.length > 0 &&
        this.quickSignals.every((signal) => {
          const value = evaluate(signal.expr, context);
          return value !== undefined && !compare(value, signal.comparator, signal.threshold);
        });
      this.quietSince = quiet ? (this.quietSince ?? now) : undefined;
    }
    const remedied = this.phase === 'remedied';
    // Judged by its checks alone (the alert's condition outlives a correct remedy), recovery can only
    // begin once the response is over. Nothing is resolved while faults of the incident are to come.
    // An alert whose signal vanished (no samples in its window: a stalled scrape, traffic that stopped)
    // is inactive in Prometheus too, but that is not the all-clear: it must read below its threshold.
    const alertsClear =
      !this.faultsToCome &&
      (remedied || !this.options.recoveryNeedsRemedy) &&
      (this.resolved.recoveryNeedsAlertResolved ? alertsInactive : remedied);
    if (alertsClear && checksHold) this.recoveringSince ??= now;
    else this.recoveringSince = undefined;
  }

  /** When recovery began, once it has held for `holdMs` by `now`; undefined until then. */
  recoveredSince(now: number, holdMs: number): number | undefined {
    return this.recoveringSince !== undefined && now - this.recoveringSince >= holdMs
      ? this.recoveringSince
      : undefined;
  }

  /**
   * How the recovery that began at `recoveredAt` came about: when every signal had cleared, and when
   * the damage stopped. The latter is the earliest of two signs that changed after the response began
   * at `respondedAt`: the recovery checks began to hold for good, or the alerts' signals over a minute
   * fell quiet for good. Without either, the alerts' clearing is the only sign.
   */
  clearing(
    recoveredAt: number,
    respondedAt: number | undefined,
  ): { damageStoppedAt: number; clearedAt: number } {
    const clearedAt = Math.min(this.clearSince ?? recoveredAt, recoveredAt);
    const signs = [this.checksHoldingSince, this.quietSince].filter(
      (since): since is number =>
        since !== undefined && respondedAt !== undefined && since > respondedAt && since <= clearedAt,
    );
    return { damageStoppedAt: Math.min(clearedAt, ...signs), clearedAt };
  }

  /** The recovery checks that did not hold at the last sample, with their values. */
  failingChecks(): { name: string; value: number | undefined }[] {
    return this.resolved.recoveryChecks
      .map((check) => ({ check, value: this.checkValues.get(check.name) }))
      .filter(({ check, value }) => value === undefined || !compare(value, check.comparator, check.threshold))
      .map(({ check, value }) => ({ name: check.name, value }));
  }

  recordedSeries() {
    return this.series.series();
  }

  claimResults() {
    return this.claims.results();
  }
}
