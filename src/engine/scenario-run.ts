import type { Clock } from '../core/clock.ts';
import { StepTimeoutError, withinDeadline } from '../core/deadline.ts';
import { LoopDelayMeter } from '../core/loop-delay.ts';
import type { ExternalAlertSource } from '../detection/alert-source.ts';
import { KEY_METRICS } from '../detection/key-metrics.ts';
import type { MetricsSource } from '../detection/metrics-source.ts';
import type { FaultBackend } from '../faults/fault-backend.ts';
import type { LoadSource } from '../load/load-source.ts';
import type { LiveStatus, ScenarioPhase } from '../responders/live-status.ts';
import type { Evidence } from '../runbooks/run-diagnostics.ts';
import type { FaultRecorder } from '../stack/fault-ledger.ts';
import type { Stack } from '../stack/stack.ts';
import { type GuardAlert, IncidentWatch } from './incident-watch.ts';
import { Journal, type JournalEvent, type Note } from './journal.ts';
import type { ResolvedScenario } from './resolve-scenario.ts';
import type { ScenarioResult } from './result.ts';
import type { RegisteredUndo } from './revert-all.ts';
import { SourceDetection } from './source-detection.ts';
import { SourcePoller } from './source-poller.ts';

/** Where the scenario's alert is read from, and what stops it (see `gameday run --alert-source`, `--guard`). */
export interface ScenarioAlerting {
  /** The team's Prometheus or Alertmanager; undefined: gameday's own evaluator is the source. */
  source?: ExternalAlertSource;
  /** With Alertmanager as the source: the Prometheus that sends to it, when gameday can read it (parity). */
  prometheus?: ExternalAlertSource;
  /** How often the source is read (wall ms). */
  pollMs: number;
  /** One scrape plus one evaluation interval of the source's Prometheus (wall ms). */
  scrapeAndEvaluationMs: number;
  /** Alerts outside the blast radius: one firing during the fault aborts the scenario, every fault reverted. */
  guards: readonly GuardAlert[];
}

/** How a scenario reaches the world: each a seam where another back-end plugs in. */
export interface ScenarioServices {
  /** Carries out the faults (gameday itself, or AWS FIS). */
  faults: FaultBackend;
  /** The steady traffic (this process, a worker, k6). */
  load(resolved: ResolvedScenario, stack: Stack): LoadSource;
  /** The measurements the alert and the recovery checks are evaluated on. */
  metrics(resolved: ResolvedScenario, stack: Stack, acknowledged: () => string[]): MetricsSource;
}

/** What the run state needs to know of whoever responds (see responses/response.ts). */
export interface ResponderTraits {
  /** auto: the harness (or nobody) responds; gameday: people do. */
  readonly mode: 'auto' | 'gameday';
  /** Recovery may only begin once someone has tried a fix: an alert that clears on its own proves nothing. */
  readonly recoveryNeedsRemedy: boolean;
  /** What the live view adds while this responder works. */
  live?(): Partial<Pick<LiveStatus, 'checkpoints' | 'timeBoxMs'>>;
}

export interface ScenarioRunContext {
  stack: Stack;
  clock: Clock;
  /** The on-disk fault ledger (in tests, one in memory). */
  ledger: FaultRecorder;
  services: ScenarioServices;
  /** Aborted on Ctrl-C, SIGTERM, a time box, a guard or the facilitator: stop, revert, report "aborted". */
  signal: AbortSignal;
  /** Every timeline event as it happens (progress display). */
  onEvent?: (event: JournalEvent) => void;
  /** Where the scenario is, after every round of samples (progress line, game-day view, `gameday status`). */
  onStatus?: (status: LiveStatus) => void;
  /** Default: gameday's own evaluator, no guards. */
  alerting?: ScenarioAlerting;
}

/**
 * How long each kind of step against the stack may take before it is abandoned (wall ms). Generous:
 * they bound a hang, they do not time the work (a rolling deploy, an index build under load).
 */
export const STEP_DEADLINES = {
  startTraffic: 60_000,
  prepare: 180_000,
  inject: 180_000,
  decide: 30_000,
  remedyStep: 180_000,
  diagnose: 90_000,
  conclude: 60_000,
  undo: 60_000,
  verifyUndo: 30_000,
  stopTraffic: 30_000,
  restoreStep: 60_000,
  invariants: 60_000,
  stopMetrics: 15_000,
  /** One read of Prometheus' or Alertmanager's API. */
  readSource: 5_000,
} as const;

/**
 * One scenario's run state, shared by its phases: the journal, the watch over the metrics, the
 * traffic, the faults' undos, and the moments that TTD and TTR are measured between. Phases read and
 * write it; nothing else does.
 */
export class ScenarioRun {
  readonly journal: Journal;
  /** The measuring thread's own delay over the scenario: proof its timings were not distorted. */
  readonly loopDelay = new LoopDelayMeter();
  readonly note: Note;
  readonly watch: IncidentWatch;
  readonly load: LoadSource;
  readonly metrics: MetricsSource;
  /** Why the scenario did not pass, in words people act on. */
  readonly reasons: string[] = [];
  readonly undos: RegisteredUndo[] = [];
  /** What the faults know about themselves, to judge the runbook's queries by. */
  readonly evidence: Evidence[] = [];
  readonly remedyLog: ScenarioResult['remedy'] = [];
  readonly decisions: ScenarioResult['decisions'] = [];
  readonly answers = new Map<string, string>();
  injectionStartedAt: number | undefined;
  /** The fault fully in place: TTD and TTR count from here. */
  injectedAt: number | undefined;
  /** When the damage itself began, if a fault knows it better (a job's logged start). */
  damageOnset: number | undefined;
  recoveredAt: number | undefined;
  /** The injection under way, awaited before the revert so no fault lands after its undo. */
  injecting: Promise<void> | undefined;
  /**
   * An irrevocable remedy step under way (a promotion asked for), which an abort abandons but cannot
   * stop: awaited before the revert too, so the undos see the stack as the step leaves it.
   */
  remedying: Promise<unknown> | undefined;
  /** When each fault (by its index in `resolved.faults`) began to be injected; undefined until then. */
  readonly faultStartedAt: (number | undefined)[] = [];
  /** When each fault (by its index in `resolved.faults`) was in place; a later one stays undefined until then. */
  readonly faultInPlaceAt: (number | undefined)[] = [];
  /** A compound incident's faults still to come, injected during the response (see phases/later-faults.ts). */
  laterFaults: { stop(): void; done: Promise<void> } | undefined;
  /** Alerts already reported as not detected (a compound incident judges each). */
  readonly undetected = new Set<string>();
  /** What ended the scenario from outside its phases (a later fault that could not be injected). */
  failure: Error | undefined;
  private shown: { phase: ScenarioPhase; since: number; budgetMs?: number };
  /** A guard's stop: aborts this scenario only (the run's own signal stops the whole game day). */
  private readonly guardStop = new AbortController();
  /** `fail`'s stop: an error from beside the phases (a later fault) ends their waits at once. */
  private readonly failing = new AbortController();
  /** The run's own signal and this scenario's guards: what makes it an interruption. */
  private readonly stopping: AbortSignal;
  private readonly combined: AbortSignal;
  private readonly poller: SourcePoller | undefined;

  constructor(
    readonly resolved: ResolvedScenario,
    readonly context: ScenarioRunContext,
    private readonly response: ResponderTraits,
  ) {
    const { clock, stack, services } = context;
    this.journal = new Journal(clock, context.onEvent);
    this.note = this.journal.note;
    this.shown = { phase: 'baseline', since: this.journal.startedAt };
    this.load = services.load(resolved, stack);
    this.metrics = services.metrics(resolved, stack, () => this.load.acknowledged());
    this.stopping = AbortSignal.any([context.signal, this.guardStop.signal]);
    this.combined = AbortSignal.any([this.stopping, this.failing.signal]);
    const alerting = context.alerting;
    const external = alerting?.source;
    this.watch = new IncidentWatch(resolved, {
      store: this.metrics.store,
      clock,
      note: this.note,
      startedAt: this.journal.startedAt,
      recoveryNeedsRemedy: response.recoveryNeedsRemedy,
      ...(external
        ? {
            source: new SourceDetection(
              external.kind,
              external.url,
              resolved.rule.name,
              alerting.scrapeAndEvaluationMs + alerting.pollMs,
              this.journal.startedAt,
              this.note,
            ),
          }
        : {}),
      // The scenario's own alerts (every one of a compound incident's) are its detection, never its guards.
      guards: (alerting?.guards ?? []).filter((guard) => !this.ownAlert(guard.name)),
      onGuard: (name, detail) => {
        const reason = `guard ${name} fired during the fault (${detail}): the scenario was stopped and every fault reverted`;
        this.note('guard-fired', `${name}: ${detail}`);
        this.guardStop.abort(reason);
      },
    });
    this.poller = external
      ? new SourcePoller(
          external,
          this.watch,
          clock,
          alerting.pollMs,
          STEP_DEADLINES.readSource,
          alerting.prometheus,
        )
      : undefined;
  }

  /** Starts reading the alert source, if the scenario has a real one. */
  startSource(): void {
    this.poller?.start();
  }

  async stopSource(): Promise<void> {
    await this.poller?.stop();
  }

  /** The guards this scenario watches during the fault. */
  get guardNames(): string[] {
    return (this.context.alerting?.guards ?? [])
      .map((guard) => guard.name)
      .filter((name) => !this.ownAlert(name));
  }

  /** One of the scenario's own alerts (a compound incident has several). */
  private ownAlert(name: string): boolean {
    return name === this.resolved.rule.name || this.resolved.alerts.some((alert) => alert.rule.name === name);
  }

  get stack(): Stack {
    return this.context.stack;
  }

  get clock(): Clock {
    return this.context.clock;
  }

  /** Aborted by the run (Ctrl-C, the facilitator), by a guard of this scenario, or by `fail`. */
  get signal(): AbortSignal {
    return this.combined;
  }

  /** Aborted by the run or by a guard (not by `fail`): an interruption, with its reason. */
  get interruption(): AbortSignal {
    return this.stopping;
  }

  /** Ends the scenario with an error from outside the phases: every wait they are in ends at once. */
  fail(error: Error): void {
    this.failure ??= error;
    this.failing.abort();
  }

  /** A runbook duration as wall time. */
  scale(runbookMs: number): number {
    return this.context.clock.scaled(runbookMs);
  }

  /** Where the scenario is, as the live view shows it. */
  enter(phase: ScenarioPhase, budgetMs?: number): void {
    this.shown = { phase, since: this.clock.now(), ...(budgetMs === undefined ? {} : { budgetMs }) };
  }

  /**
   * One step against the stack, with a deadline, abandoned at once when the run is aborted (pass
   * `abortable: false` for the teardown's steps, which must run). A step past its deadline is noted
   * and throws StepTimeoutError.
   */
  async step<T>(
    what: string,
    deadlineMs: number,
    work: () => Promise<T>,
    { abortable = true, signal = this.signal }: { abortable?: boolean; signal?: AbortSignal } = {},
  ): Promise<T> {
    try {
      return await withinDeadline(work, {
        what,
        ms: deadlineMs,
        clock: this.clock,
        ...(abortable ? { signal } : {}),
      });
    } catch (error) {
      if (error instanceof StepTimeoutError) this.note('step-abandoned', error.message);
      throw error;
    }
  }

  /** Sleeps; rejects with AbortedError when the run is aborted. */
  pause(ms: number): Promise<void> {
    return this.clock.sleep(ms, this.signal);
  }

  /** Polls `probe` until it gives a value, or `deadline` (epoch ms) passes: then undefined. */
  async until<T>(probe: () => T | undefined, deadline: number, stepMs = 50): Promise<T | undefined> {
    for (;;) {
      const value = probe();
      if (value !== undefined) return value;
      if (this.clock.now() >= deadline) return undefined;
      await this.pause(stepMs);
    }
  }

  /** Called after every round of samples: evaluate, then tell whoever watches. */
  observe(now: number): void {
    this.watch.observe(now);
    this.context.onStatus?.(this.liveStatus(now));
  }

  liveStatus(now: number): LiveStatus {
    const { scenario, severity, resolveWithinMs } = this.resolved;
    const { watch, shown } = this;
    return {
      scenario: { id: scenario.id, title: scenario.title, severity },
      phase: shown.phase,
      phaseElapsedMs: now - shown.since,
      ...(shown.budgetMs === undefined ? {} : { phaseBudgetMs: shown.budgetMs }),
      ...(this.injectedAt === undefined || shown.phase === 'reverting'
        ? {}
        : { faultActiveMs: now - this.injectedAt }),
      alert: {
        name: watch.rule.name,
        state: watch.alertState,
        ...(watch.alertValue === undefined ? {} : { value: watch.alertValue }),
        comparator: watch.rule.comparator,
        threshold: watch.rule.threshold,
      },
      alerts: watch.alerts().map(({ value, ...alert }) => ({
        ...alert,
        ...(value === undefined ? {} : { value }),
      })),
      metrics: this.keyMetrics(),
      ...(resolveWithinMs === undefined ? {} : { targetMs: this.scale(resolveWithinMs) }),
      mode: this.response.mode,
      checkpoints: [],
      ...this.response.live?.(),
    };
  }

  private keyMetrics(): LiveStatus['metrics'] {
    return KEY_METRICS.map((metric) => {
      const value = this.watch.keyValues[metric.id];
      return {
        id: metric.id,
        title: metric.title,
        unit: metric.unit,
        ...(value === undefined ? {} : { value }),
      };
    });
  }

  /**
   * `runbook verify`: the time spent trying the runbook's diagnostics and settings steps during the
   * fault. A responder reading the results takes the runbook's own time, which the time scale
   * compresses; running them is real work that it does not.
   */
  verificationWorkMs = 0;

  /** The remedy steps' own time (and the verification's), real work that the time scale does not compress. */
  remedyWorkMs(): number {
    return this.remedyLog.reduce((total, step) => total + step.durationMs, this.verificationWorkMs);
  }

  /** Once recovered: the work TTR sets aside, and the work that ran while the signals cleared (counted). */
  workJudged: { setAsideMs: number; whileClearingMs: number } | undefined;

  /**
   * The real work that TTR sets aside when it is judged against the scaled target: the verification's
   * and the remedy steps', except while a step overlapped the signals clearing after the damage had
   * stopped. That clearing is the runbook's own windows running at scale; a step still going meanwhile
   * (old replicas waiting out their shutdown grace) must not hide it. Work after the recovery began
   * is neither.
   */
  judgeWork(recoveredAt: number): { setAsideMs: number; whileClearingMs: number } {
    const steps = this.remedyLog.map((step) => {
      const start = this.journal.startedAt + step.startedAtMs;
      return { start, end: start + step.durationMs };
    });
    const { damageStoppedAt, clearedAt } = this.watch.clearing(recoveredAt, steps[0]?.start);
    const within = (from: number, to: number) =>
      steps.reduce(
        (total, { start, end }) => total + Math.max(0, Math.min(end, to) - Math.max(start, from)),
        0,
      );
    const clearing = Math.max(damageStoppedAt, clearedAt);
    return {
      setAsideMs:
        this.verificationWorkMs +
        within(Number.NEGATIVE_INFINITY, damageStoppedAt) +
        within(clearing, recoveredAt),
      whileClearingMs: within(damageStoppedAt, clearing),
    };
  }
}
