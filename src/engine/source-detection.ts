import type { AlertState } from '../detection/alert-rule.ts';
import type { AlertSourceKind, ObservedAlert } from '../detection/alert-source.ts';
import type { Note } from './journal.ts';
import type { ScenarioResult } from './result.ts';

export type Parity = NonNullable<ScenarioResult['detection']['parity']>;

/**
 * The scenario's alert as the team's alerting system shows it, read on the run's clock: when it fired
 * (TTD is measured from here when the user chose this source), whether the source ever knew the alert,
 * whether Alertmanager silenced it, and where its state and gameday's own evaluator's disagreed for
 * longer than one scrape plus one evaluation (plus how often gameday reads the source).
 */
export class SourceDetection {
  /** The first time it fired, routed (not silenced), after the fault began. */
  firedAt: number | undefined;
  firedDuringBaseline = false;
  state: AlertState = 'inactive';
  /** A silence or inhibition that held the alert while it fired. */
  suppressed: ObservedAlert['suppressed'];
  /** The alert appeared at the source at least once. */
  seen = false;
  /** The source's own rules, when it can list them and they lack the alert (a misspelt rule). */
  unknownTo: string[] | undefined;
  /** The last read that failed, while reads keep failing. */
  failing: string | undefined;
  reads = 0;
  failedReads = 0;
  /** With Alertmanager as the source: when the Prometheus that sends to it fired (after the fault began). */
  prometheusFiredAt: number | undefined;
  private readsPrometheus = false;
  private span: { from: number; builtin: AlertState; source: AlertState } | undefined;
  private readonly disagreements: Parity['disagreements'] = [];

  constructor(
    readonly kind: Exclude<AlertSourceKind, 'builtin'>,
    readonly url: string,
    readonly alert: string,
    /** One scrape plus one evaluation, plus the polling period. */
    readonly toleranceMs: number,
    private readonly startedAt: number,
    private readonly note: Note,
  ) {}

  /** The source's rules lack the alert: detection can only fail, and says why. */
  unknown(rules: string[]): void {
    this.unknownTo = rules;
    this.note(
      'source-unknown-alert',
      `${this.alert} is not among ${this.kind}'s alerting rules (${rules.length === 0 ? 'it has none' : rules.join(', ')})`,
    );
  }

  /** One read of the source at `at`; `duringFault` once the fault has begun; `builtin` is gameday's own state then. */
  observe(at: number, alerts: Map<string, ObservedAlert>, duringFault: boolean, builtin: AlertState): void {
    this.reads += 1;
    if (this.failing !== undefined) {
      this.note('source-reachable', `${this.kind} answers again at ${this.url}`);
      this.failing = undefined;
    }
    const observed = alerts.get(this.alert);
    if (observed) this.seen = true;
    const state: AlertState = observed?.state ?? 'inactive';
    const routed = state === 'firing' && !observed?.suppressed;
    if (state !== this.state || (observed?.suppressed && !this.suppressed)) {
      const how = observed?.suppressed
        ? ` (suppressed by ${observed.suppressed.by} ${observed.suppressed.ids.join(', ')})`
        : '';
      this.note('source-alert', `${this.kind}: ${this.alert} ${this.state} → ${state}${how}`, {
        source: this.kind,
        state,
        ...(observed?.suppressed ? { suppressedBy: observed.suppressed.by } : {}),
      });
    }
    if (observed?.suppressed) this.suppressed = observed.suppressed;
    const wasFiring = this.state === 'firing';
    this.state = state;
    if (routed) {
      if (duringFault) this.firedAt ??= at;
      // Still firing from before the scenario (the source keeps its history; gameday's evaluator starts
      // afresh) is no false alarm unless it is still firing when the baseline ends (see baseline.ts).
      else if (!wasFiring && this.reads > 1) this.firedDuringBaseline = true;
    }
    this.compare(at, builtin, state);
  }

  /** With Alertmanager as the source, its Prometheus read in the same round: the hop between them. */
  observePrometheus(at: number, alerts: Map<string, ObservedAlert>, duringFault: boolean): void {
    this.readsPrometheus = true;
    if (duringFault && alerts.get(this.alert)?.state === 'firing') this.prometheusFiredAt ??= at;
  }

  failed(at: number, message: string): void {
    this.failedReads += 1;
    if (this.failing === undefined)
      this.note('source-unreachable', `${this.kind} at ${this.url}: ${message}`);
    this.failing = message;
    void at;
  }

  /** Firing or not, side by side: a difference that outlasts the tolerance is a disagreement. */
  private compare(at: number, builtin: AlertState, source: AlertState): void {
    const differ = (builtin === 'firing') !== (source === 'firing');
    if (differ && !this.span) this.span = { from: at, builtin, source };
    if (!differ && this.span) this.close(at);
  }

  private close(at: number): void {
    const span = this.span!;
    this.span = undefined;
    if (at - span.from > this.toleranceMs)
      this.disagreements.push({
        fromMs: span.from - this.startedAt,
        toMs: at - this.startedAt,
        builtin: span.builtin,
        source: span.source,
      });
  }

  /** Why the source gave no detection, in words people act on; undefined when it fired. */
  whyNotDetected(): string | undefined {
    if (this.firedAt !== undefined) return undefined;
    if (this.unknownTo)
      return `${this.alert} never seen by ${this.kind}: it has no alerting rule of that name (${this.unknownTo.length === 0 ? 'none at all' : `its rules: ${this.unknownTo.join(', ')}`}); a misspelt rule?`;
    if (this.suppressed)
      return `${this.alert} was ${this.suppressed.by === 'silence' ? 'silenced' : 'inhibited'} in ${this.kind} (${this.suppressed.by} ${this.suppressed.ids.join(', ')}): it fired, and paged no one`;
    if (this.failing !== undefined) return `${this.kind} at ${this.url} could not be read: ${this.failing}`;
    if (!this.seen)
      return `${this.alert} never seen by ${this.kind} at ${this.url} (${this.reads} reads, ${this.failedReads} failed)`;
    return `${this.alert} was ${this.state} in ${this.kind}, never firing`;
  }

  /** The parity figure for report.json, once the scenario is over. */
  parity(builtinFiredAt: number | undefined, injectedAt: number | undefined, endedAt: number): Parity {
    if (this.span) this.close(endedAt);
    const ttd = (firedAt: number | undefined) =>
      firedAt === undefined || injectedAt === undefined ? null : Math.max(0, firedAt - injectedAt);
    const builtin = ttd(builtinFiredAt);
    const source = ttd(this.firedAt);
    const difference = builtin === null || source === null ? null : source - builtin;
    // With Alertmanager as the source, the Prometheus behind it was read in the same rounds: its rule is
    // what is judged against gameday's; the delivery to Alertmanager on top is reported, not judged.
    const prometheus = this.readsPrometheus ? ttd(this.prometheusFiredAt) : undefined;
    const judgedSide = prometheus === undefined ? source : prometheus;
    const judged = builtin === null || judgedSide === null ? null : judgedSide - builtin;
    return {
      source: this.kind,
      builtinTimeToDetectMs: builtin,
      sourceTimeToDetectMs: source,
      differenceMs: difference,
      ...(prometheus === undefined
        ? {}
        : { prometheusTimeToDetectMs: prometheus, prometheusDifferenceMs: judged }),
      toleranceMs: this.toleranceMs,
      withinTolerance: judged === null ? builtin === judgedSide : Math.abs(judged) <= this.toleranceMs,
      firstToFire:
        builtin === null && source === null
          ? 'neither'
          : source === null
            ? 'builtin'
            : builtin === null
              ? this.kind
              : difference! < 0
                ? this.kind
                : difference! > 0
                  ? 'builtin'
                  : 'together',
      disagreements: [...this.disagreements],
      reads: this.reads,
      failedReads: this.failedReads,
    };
  }
}
