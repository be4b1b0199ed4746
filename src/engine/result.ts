import type { LoopDelay } from '../core/loop-delay.ts';
import type { AlertState } from '../detection/alert-rule.ts';
import type { AlertSourceKind } from '../detection/alert-source.ts';
import type { KeyMetric } from '../detection/key-metrics.ts';
import type { TrafficTotals } from '../load/load-source.ts';
import type { RecordedCheckpoint, RecordedDiagnosis, ResponderAction } from '../responders/responder-desk.ts';
import type { RunbookStepUse } from '../responders/runbook-step-use.ts';
import type { ClaimResult, RunbookCheck } from '../runbooks/verdicts.ts';
import type { DrillScore } from './drill-score.ts';
import type { JournalEvent } from './journal.ts';
import type { SeriesPoint } from './series-recorder.ts';

export type { ClaimResult, RunbookCheck, RunbookStepUse };
/** The scenario's timeline as report.json keeps it. */
export type TimelineEvent = JournalEvent;

/** What one scenario produced: the contract of report.json (see README, "Reports"). */

export type ScenarioStatus = 'passed' | 'failed' | 'error' | 'aborted';

/** Whether an alert fired, and how long after its fault was in place. */
export interface Detection {
  alert: string;
  fired: boolean;
  timeToDetectMs: number | null;
  budgetMs: number;
  /** The same at runbook scale (wall × time scale). */
  timeToDetectAtRunbookScaleMs: number | null;
}

/** Who plays what in a round (a plan's roles; shown in the briefing and the report). */
export interface Roles {
  facilitator?: string;
  responders?: string[];
  observers?: string[];
}

export interface ScenarioResult {
  id: string;
  title: string;
  runbook: { number: number; title: string; procedure?: string };
  severity: string;
  status: ScenarioStatus;
  /** Why it did not pass, in words people act on. */
  reasons: string[];
  /** The fault, and how long injecting it took (TTD and TTR count from when it was in place). */
  fault: { kind: string; description: string; injectionMs: number | null };
  alertRule: {
    name: string;
    expression: string;
    comparator: string;
    threshold: number;
    forMs: number;
    origin: string;
  };
  /** The first alert (the page): TTD from the fault in place. */
  detection: Detection & {
    /** Where "fired" was read: gameday's own evaluator, or the team's Prometheus or Alertmanager. */
    source: AlertSourceKind;
    /** With a real source: gameday's evaluator (always run) beside it. */
    parity?: {
      source: Exclude<AlertSourceKind, 'builtin'>;
      builtinTimeToDetectMs: number | null;
      sourceTimeToDetectMs: number | null;
      /** source − builtin: positive when the source fired later. */
      differenceMs: number | null;
      /** With Alertmanager as the source, the Prometheus that sends to it, read in the same rounds. */
      prometheusTimeToDetectMs?: number | null;
      /** Prometheus − builtin: what `withinTolerance` judges when it is known (the delivery to Alertmanager is not judged). */
      prometheusDifferenceMs?: number | null;
      /** One scrape plus one evaluation interval, plus how often gameday reads the source. */
      toleranceMs: number;
      withinTolerance: boolean;
      firstToFire: 'builtin' | 'prometheus' | 'alertmanager' | 'together' | 'neither';
      /** Spans (ms since the scenario started) where one side fired and the other did not, longer than the tolerance. */
      disagreements: { fromMs: number; toMs: number; builtin: AlertState; source: AlertState }[];
      reads: number;
      failedReads: number;
    };
  };
  /**
   * A compound incident's other alerts, each judged from its own fault in place (`fault`: its index in
   * `faults`) by gameday's own evaluator, whatever the source of the first; absent when the scenario
   * has one alert.
   */
  otherDetections?: (Detection & { fault: number; runbook: number })[];
  /** A compound incident's faults, each with its offset and whether it came before the scenario ended. */
  faults?: { kind: string; description: string; afterMs: number; injected: boolean }[];
  /** Guard alerts watched during the fault (a guard firing aborts the scenario). */
  guards?: string[];
  resolution: {
    resolved: boolean;
    timeToResolveMs: number | null;
    /**
     * Time the remedy steps themselves took (a rollout, an index build): real work, not compressed by
     * the time scale, so it is left out when TTR is compared with the scaled target. Once resolved, only
     * the work before the damage stopped and after the signals had cleared (see the next field); work
     * after the recovery began is not part of the TTR at all.
     */
    remedyWorkMs: number;
    /**
     * Remedy work that went on while the alert's window cleared after the damage stopped (old replicas
     * waiting out their shutdown grace): that clearing is the runbook's own time at scale, so it counts.
     */
    remedyWorkWhileClearingMs?: number;
    targetMs: number | null;
    /** (TTR − remedy work) × time scale + remedy work. */
    timeToResolveAtRunbookScaleMs: number | null;
  };
  falseAlarm: boolean;
  remedy: {
    action: string;
    description: string;
    runbookStep?: string;
    startedAtMs: number;
    durationMs: number;
    detail: string;
    ok: boolean;
  }[];
  /** The runbook's decision points as the harness answered them, and the evidence it used. */
  decisions: { question: string; answer: string; evidence: string; runbookStep?: string }[];
  runbookChecks: RunbookCheck[];
  claims: ClaimResult[];
  faultsReverted: boolean;
  revertErrors: string[];
  lostMessages: number;
  acknowledgedMessages: number;
  duplicatedMessages: number;
  traffic: TrafficTotals;
  /** A round of a plan (`gameday plan`, `gameday run --blind`): which, and for a blind pick its seed. */
  round?: {
    number: number;
    name: string;
    blind: boolean;
    seed?: number;
    pickedFrom?: string[];
    roles?: Roles;
  };
  /** Game-day mode: what the people responding did, and which of the runbook's steps they used. */
  responders?: {
    checkpoints: RecordedCheckpoint[];
    actions: ResponderAction[];
    runbookSteps: RunbookStepUse[];
    /** Each root cause they stated, judged against what was injected. */
    diagnoses?: RecordedDiagnosis[];
    /** The drill's scorecard: TTD, time to acknowledge, to the right diagnosis, TTR, steps, wrong turns. */
    score?: DrillScore;
  };
  /**
   * The harness itself: its measuring thread's event-loop delay over the scenario (a stall longer than
   * a scrape interval would shift TTD; load runs in worker threads so it does not).
   */
  harness?: { eventLoopDelay: LoopDelay };
  timeline: TimelineEvent[];
  /**
   * Values over time, [atMs, value] with null for no data: the alert's expression (in its own unit,
   * against `alertRule.threshold`) and each of the key metrics (see src/detection/key-metrics.ts).
   */
  series: Record<'alert' | KeyMetric['id'], SeriesPoint[]>;
  startedAt: string;
  durationMs: number;
}

export interface GameDayResult {
  runId: string;
  timeScale: number;
  stack: string;
  /** Where "the alert fired" was read (see each scenario's detection.parity). */
  alertSource?: AlertSourceKind;
  /** auto: the harness remedies; gameday: people respond (see `gameday run --mode gameday`). */
  mode: 'auto' | 'gameday';
  /** How the faults were carried out: by gameday (absent, or local) or as AWS FIS experiments. */
  faults?: { by: 'local' } | { by: 'fis'; endpoint: string; skipped: { id: string; reason: string }[] };
  runbookFile: string;
  startedAt: string;
  durationMs: number;
  status: 'passed' | 'failed' | 'aborted';
  scenarios: ScenarioResult[];
}
