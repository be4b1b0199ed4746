import type { Clock } from '../core/clock.ts';
import { formatMs, ms } from '../core/duration.ts';
import { AlertEvaluator, compare } from '../detection/alert-rule.ts';
import { DatabaseExporter, INTEGRITY_METRIC } from '../detection/database-exporter.ts';
import { deploymentState } from '../detection/deployment-state.ts';
import { evaluate, toPromQL } from '../detection/expr.ts';
import { KEY_METRICS } from '../detection/key-metrics.ts';
import { MetricStore } from '../detection/metric-store.ts';
import { Scraper } from '../detection/scraper.ts';
import { FAULT_KINDS } from '../faults/registry.ts';
import { AckLedger } from '../load/ack-ledger.ts';
import { DEFAULT_TRAFFIC, LoadGenerator } from '../load/load-generator.ts';
import { DECISIONS } from '../remediation/decisions.ts';
import { REMEDY_ACTIONS } from '../remediation/registry.ts';
import type { LiveStatus, ScenarioPhase } from '../responders/live-status.ts';
import type { ResponderDesk } from '../responders/responder-desk.ts';
import { runbookStepUse } from '../responders/runbook-step-use.ts';
import { blockerEvidence, type Evidence } from '../runbooks/run-diagnostics.ts';
import type { RunbookVerifier } from '../runbooks/runbook-verifier.ts';
import type { RunbookStep } from '../runbooks/steps.ts';
import type { Stack } from '../stack/stack.ts';
import { ClaimMeter } from './claim-meter.ts';
import type { FaultLedger } from './fault-ledger.ts';
import type { ResolvedScenario } from './resolve-scenario.ts';
import type { ScenarioResult, TimelineEvent } from './result.ts';
import { type RegisteredUndo, revertAll } from './revert-all.ts';
import { SeriesRecorder } from './series-recorder.ts';

export interface ScenarioRunContext {
  stack: Stack;
  clock: Clock;
  ledger: FaultLedger;
  /** Aborted on Ctrl-C / SIGTERM: the scenario stops waiting, reverts, and reports "aborted". */
  signal: AbortSignal;
  scrapeIntervalMs: number;
  /** Nobody responds: the remedy is not carried out (a drill of "what if", and every scenario's negative twin). */
  skipRemedy?: boolean;
  /** `gameday runbook verify`: tries the runbook's own steps against the live fault and judges them. */
  verifier?: RunbookVerifier;
  /** Every timeline event as it happens (progress display). */
  onEvent?: (event: TimelineEvent) => void;
  /** Where the scenario is, after every scrape (progress line, game-day view, `gameday status`). */
  onStatus?: (status: LiveStatus) => void;
  /**
   * Game-day mode: people respond. No remedy is carried out; the desk records their checkpoints and
   * commands, and the fault is reverted by the harness once `timeBoxMs` has passed since injection.
   */
  responders?: { desk: ResponderDesk; timeBoxMs: number; runbookSteps: readonly RunbookStep[] };
}

export class AbortedError extends Error {
  constructor() {
    super('interrupted');
    this.name = 'AbortedError';
  }
}

/** Sleeps, or rejects with AbortedError when the run is interrupted. */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(new AbortedError());
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new AbortedError());
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** Polls until `probe` returns a value or the deadline passes (then undefined). */
async function until<T>(
  probe: () => T | undefined,
  deadline: number,
  signal: AbortSignal,
  stepMs = 50,
): Promise<T | undefined> {
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() >= deadline) return undefined;
    await pause(stepMs, signal);
  }
}

const MAX_SERIES_POINTS = 600;

/** How often the data-integrity job runs, in runbook time. */
const INTEGRITY_CHECK_EVERY_MS = 5 * 60_000;

/**
 * One scenario, end to end, on one clock:
 * baseline (no alert) → inject (undo registered first) → detect within budget → remediate →
 * recovered (alert resolved and checks holding) → revert every fault (always) → invariants.
 */
export async function runScenario(
  resolved: ResolvedScenario,
  context: ScenarioRunContext,
): Promise<ScenarioResult> {
  const { scenario, rule } = resolved;
  const { stack, clock, signal, ledger } = context;
  const scale = (runbookMs: number) => clock.scaled(runbookMs);
  const started = clock.now();
  const timeline: TimelineEvent[] = [];
  const note = (kind: string, detail?: string, extra: Record<string, unknown> = {}) => {
    const at = clock.now();
    const event: TimelineEvent = { atMs: at - started, at, kind, ...(detail ? { detail } : {}), ...extra };
    timeline.push(event);
    context.onEvent?.(event);
    return at;
  };
  const reasons: string[] = [];
  const desk = context.responders?.desk;
  desk?.open({ id: scenario.id, title: scenario.title, stack, note, startedAt: started });
  let shownPhase: ScenarioPhase = 'baseline';
  let shownPhaseSince = started;
  let shownPhaseBudget: number | undefined;
  const enter = (next: ScenarioPhase, budgetMs?: number) => {
    shownPhase = next;
    shownPhaseSince = clock.now();
    shownPhaseBudget = budgetMs;
  };

  // Detection: scrape every replica, evaluate the alert and the recovery checks after each scrape.
  const store = new MetricStore(10 * 60_000, Math.max(2_000, 4 * context.scrapeIntervalMs));
  const evaluator = new AlertEvaluator(rule);
  const series = new SeriesRecorder(['alert', ...KEY_METRICS.map((metric) => metric.id)], MAX_SERIES_POINTS);
  let firedAt: number | undefined;
  let firedDuringBaseline = false;
  let phase: 'baseline' | 'fault' | 'after' = 'baseline';
  let recoveringSince: number | undefined;
  const checkValues = new Map<string, number | undefined>();
  const claims = new ClaimMeter(resolved.claims, (wallMs) => clock.atRunbookScale(wallMs));
  const ackLedger = new AckLedger();
  const watched = [rule.expr, ...resolved.recoveryChecks.map((check) => check.expr)];
  const exporter = new DatabaseExporter({
    url: () => stack.database.adminUrl(),
    // Runbook 6's checks scan the messages table: a scheduled job, only when a scenario watches them.
    integrityIntervalMs: watched.some((expr) => expr.metric === INTEGRITY_METRIC)
      ? Math.max(scale(INTEGRITY_CHECK_EVERY_MS), 2_000)
      : undefined,
    acknowledged: () => ackLedger.all().map((entry) => entry.messageId),
  });
  const scraper = new Scraper({
    store,
    intervalMs: context.scrapeIntervalMs,
    collectors: [
      { name: 'postgres', collect: () => exporter.collect() },
      { name: 'deployment', collect: async () => deploymentState(stack) },
    ],
    targets: () => stack.backend.replicas().map((replica) => ({ name: replica.name, url: replica.url })),
    onScrape: (now) => {
      const transition = evaluator.evaluate({ store, now, scale });
      const keyValues = Object.fromEntries(
        KEY_METRICS.map((metric) => [metric.id, evaluate(metric.expr, { store, now, scale })]),
      );
      series.record(now - started, { alert: evaluator.lastValue, ...keyValues });
      // People respond: recovery is judged once they have tried a fix (a change, or "fix deployed").
      if (
        desk &&
        phase === 'fault' &&
        injectedAt !== undefined &&
        desk.fixAttemptedSince(injectedAt - started)
      ) {
        phase = 'after';
        claims.remedied(now);
      }
      if (transition) {
        note(`alert-${transition.to}`, `${rule.name} ${transition.from} → ${transition.to}`, {
          value: transition.value,
        });
        if (transition.to === 'firing') {
          if (phase === 'baseline') firedDuringBaseline = true;
          else firedAt ??= now;
        }
      }
      claims.observe(phase === 'after' ? 'remedied' : phase, { store, now, scale });
      let checksHold = true;
      for (const check of resolved.recoveryChecks) {
        const value = evaluate(check.expr, { store, now, scale });
        checkValues.set(check.name, value);
        if (value === undefined || !compare(value, check.comparator, check.threshold)) checksHold = false;
      }
      // Judged by its checks alone, recovery can only begin once the remedy is done.
      const alertClear = desk
        ? phase === 'after' && (!resolved.recoveryNeedsAlertResolved || evaluator.state === 'inactive')
        : resolved.recoveryNeedsAlertResolved
          ? evaluator.state === 'inactive'
          : phase === 'after';
      if (alertClear && checksHold) recoveringSince ??= now;
      else recoveringSince = undefined;
      context.onStatus?.({
        scenario: { id: scenario.id, title: scenario.title, severity: resolved.severity },
        mode: desk ? 'gameday' : 'auto',
        phase: shownPhase,
        phaseElapsedMs: now - shownPhaseSince,
        ...(shownPhaseBudget === undefined ? {} : { phaseBudgetMs: shownPhaseBudget }),
        ...(injectedAt === undefined || shownPhase === 'reverting'
          ? {}
          : { faultActiveMs: now - injectedAt }),
        alert: {
          name: rule.name,
          state: evaluator.state,
          ...(evaluator.lastValue === undefined ? {} : { value: evaluator.lastValue }),
          comparator: rule.comparator,
          threshold: rule.threshold,
        },
        metrics: KEY_METRICS.map((metric) => ({
          id: metric.id,
          title: metric.title,
          unit: metric.unit,
          ...(keyValues[metric.id] === undefined ? {} : { value: keyValues[metric.id] }),
        })),
        ...(resolved.resolveWithinMs === undefined ? {} : { targetMs: scale(resolved.resolveWithinMs) }),
        ...(context.responders ? { timeBoxMs: context.responders.timeBoxMs } : {}),
        checkpoints: desk?.recorded() ?? [],
      });
    },
  });

  const traffic = new LoadGenerator(
    stack.endpoints.frontUrl,
    {
      ...DEFAULT_TRAFFIC,
      users: scenario.traffic?.users ?? DEFAULT_TRAFFIC.users,
      sockets: scenario.traffic?.sockets ?? DEFAULT_TRAFFIC.sockets,
      thinkTimeMs: scenario.traffic?.thinkTime ? ms(scenario.traffic.thinkTime) : DEFAULT_TRAFFIC.thinkTimeMs,
      mix: { ...DEFAULT_TRAFFIC.mix, ...scenario.traffic?.mix },
      sendRetry: scenario.traffic?.sendRetry && {
        timeoutMs: ms(scenario.traffic.sendRetry.timeout),
        attempts: scenario.traffic.sendRetry.attempts,
      },
    },
    ackLedger,
  );
  const undos: RegisteredUndo[] = [];
  const remedyLog: ScenarioResult['remedy'] = [];
  const decisions: ScenarioResult['decisions'] = [];
  const answers = new Map<string, string>();
  let injectedAt: number | undefined;
  let damageOnset: number | undefined;
  const evidence: Evidence[] = [];
  let injectionMs: number | null = null;
  let recoveredAt: number | undefined;
  let injecting: Promise<void> | undefined;

  const remedyWorkMs = () => remedyLog.reduce((total, step) => total + step.durationMs, 0);

  /** The phases up to recovery; returns the verdict, or throws (error, interruption). */
  const phases = async (): Promise<ScenarioResult['status']> => {
    note('scenario-start', scenario.title);
    await traffic.start();
    scraper.start();
    note(
      'traffic-start',
      `${traffic.users} users, ${traffic.socketCount} sockets through ${stack.endpoints.frontUrl}`,
    );

    // What remedy steps need in place before anything breaks (the scheduled backup a restore uses).
    for (const step of context.skipRemedy ? [] : resolved.remedy) {
      const action = REMEDY_ACTIONS[step.action];
      if (action?.prepare) note('remedy-prepared', await action.prepare(step.params, { stack }));
    }

    // Baseline: long enough to fill the alert's window; the alert must stay quiet.
    const window = 'windowMs' in rule.expr ? rule.expr.windowMs : 0;
    const baselineWall = Math.max(scale(resolved.baselineMs), scale(window) + 1_000, 2_000);
    enter('baseline', baselineWall);
    await pause(baselineWall, signal);
    if (firedDuringBaseline || evaluator.state === 'firing') {
      reasons.push(`false alarm: ${rule.name} fired during the baseline, before any fault`);
      note('false-alarm', `${rule.name} fired with no fault injected`);
      return 'failed';
    }
    note(
      'baseline-ok',
      `${rule.name} quiet for ${formatMs(baselineWall)} (value ${formatValue(evaluator.lastValue)})`,
    );

    // Inject: each fault registers its undo (on disk too) before it does any damage.
    phase = 'fault';
    const faultDescription = resolved.faults.map((fault) => fault.description).join(' + ');
    const injectionStarted = note('fault-injecting', faultDescription);
    enter('injecting');
    injecting = (async () => {
      for (const fault of resolved.faults) {
        await FAULT_KINDS[fault.kind]!.inject(
          fault.params,
          {
            stack,
            note: (message) => note('fault-note', message),
            evidence: (values, description) => evidence.push({ values, description }),
            markOnset: (at) => {
              damageOnset = at.getTime();
              note('fault-note', `the damage began at ${at.toISOString()}`);
            },
          },
          async (undo, recorded, verify) => {
            const id = await ledger.register({
              scenario: scenario.id,
              kind: fault.kind,
              description: fault.description,
              params: fault.params,
              recorded,
            });
            undos.push({ id, description: fault.description, undo, verify });
          },
        );
      }
    })();
    await injecting;
    // The fault counts from when it is fully in place: real work (a rolling deploy) is not scaled.
    injectedAt = note(
      'fault-injected',
      `${faultDescription} (in place after ${formatMs(clock.now() - injectionStarted)})`,
    );
    injectionMs = injectedAt - injectionStarted;
    if (context.responders) return respond(injectedAt, context.responders.timeBoxMs);

    // Detect within the budget (runbook time, scaled).
    const detectBudget = scale(resolved.detectWithinMs);
    enter('detecting', detectBudget);
    if ((await until(() => firedAt, injectedAt + detectBudget, signal)) === undefined) {
      reasons.push(
        `not detected: ${rule.name} did not fire within ${formatMs(detectBudget)} of the fault (last value ${formatValue(evaluator.lastValue)}, threshold ${rule.comparator} ${rule.threshold})`,
      );
      note('not-detected', `${rule.name} silent after ${formatMs(detectBudget)}`);
      return 'failed';
    }

    // The runbook's own diagnostic queries, tried while the fault is live (`gameday runbook verify`).
    if (context.verifier) await diagnose(context.verifier);

    // Remediate: the runbook's steps, in order, timed; decision points pick the branch a responder would.
    enter('remediating');
    if (context.skipRemedy) note('remedy-skipped', 'nobody responds (--skip-remedy)');
    for (const step of context.skipRemedy ? [] : resolved.remedy) {
      if (step.when && answers.get(step.when.question) !== step.when.answer) {
        note(
          'remedy-step-skipped',
          `${step.description} (only when ${step.when.question}=${step.when.answer})`,
        );
        continue;
      }
      if (step.action === 'decide') {
        const { question, ...params } = step.params as { question: string };
        const outcome = await DECISIONS[question]!.decide(params, { stack, clock });
        answers.set(question, outcome.answer);
        decisions.push({
          question,
          answer: outcome.answer,
          evidence: outcome.evidence,
          runbookStep: step.runbookStep,
        });
        note('decision', `${question}? ${outcome.answer}: ${outcome.evidence}`);
        continue;
      }
      const stepStarted = note('remedy-step', step.description, {
        action: step.action,
        runbookStep: step.runbookStep,
      });
      const entry = { action: step.action, description: step.description, runbookStep: step.runbookStep };
      try {
        // Verifying the runbook: its own SQL fix runs as written; the harness's action only if refused.
        const asWritten = await context.verifier?.tryFix(
          stack.database.adminUrl(),
          step.runbookStep,
          step.action,
        );
        const detail =
          asWritten ??
          (await REMEDY_ACTIONS[step.action]!.run(step.params, {
            stack,
            incident: { faultStartedAt: damageOnset ?? injectionStarted },
          }));
        if (!asWritten) context.verifier?.carriedOut(step.runbookStep, step.action, detail);
        remedyLog.push({
          ...entry,
          startedAtMs: stepStarted - started,
          durationMs: clock.now() - stepStarted,
          detail,
          ok: true,
        });
        note('remedy-step-done', detail, { action: step.action });
      } catch (error) {
        const detail = (error as Error).message;
        remedyLog.push({
          ...entry,
          startedAtMs: stepStarted - started,
          durationMs: clock.now() - stepStarted,
          detail,
          ok: false,
        });
        reasons.push(`remedy step "${step.description}" failed: ${detail}`);
        note('remedy-step-failed', detail, { action: step.action });
        return 'failed';
      }
    }

    // Recovered: alert resolved and every check holding, for the hold period.
    phase = 'after';
    if (!context.skipRemedy) claims.remedied(clock.now());
    const target = resolved.resolveWithinMs === undefined ? undefined : scale(resolved.resolveWithinMs);
    const holdWall = scale(resolved.recoveryHoldMs);
    enter('recovering', target);
    // Past the target, keep watching a while longer so a late recovery still gets its time measured.
    // Without a remedy there is no late recovery worth waiting for: the target is the limit.
    const giveUpAt = context.skipRemedy
      ? injectedAt + (target ?? 60_000)
      : Math.max(injectedAt + (target ?? 60_000) * 1.5, clock.now() + 10_000);
    recoveredAt = await until(
      () =>
        recoveringSince !== undefined && clock.now() - recoveringSince >= holdWall
          ? recoveringSince
          : undefined,
      giveUpAt,
      signal,
    );
    if (recoveredAt === undefined) {
      const failing = resolved.recoveryChecks
        .filter((check) => {
          const value = checkValues.get(check.name);
          return value === undefined || !compare(value, check.comparator, check.threshold);
        })
        .map((check) => `; check "${check.name}" is ${formatValue(checkValues.get(check.name))}`)
        .join('');
      reasons.push(
        `not resolved: ${rule.name} is ${evaluator.state} (value ${formatValue(evaluator.lastValue)}) ${formatMs(clock.now() - injectedAt)} after the fault${failing}`,
      );
      note('not-resolved', `${rule.name} ${evaluator.state}`);
      return 'failed';
    }
    note('recovered', `alert resolved and recovery checks held for ${formatMs(holdWall)}`, { recoveredAt });
    // The remedy's real work (a rollout, an index build) is not compressed by the time scale, so it is
    // set aside before the scaled target is applied.
    const work = remedyWorkMs();
    if (target !== undefined && recoveredAt - injectedAt - work > target) {
      reasons.push(
        `resolved in ${formatMs(recoveredAt - injectedAt)} (${formatMs(work)} of it the remedy's own work), over the ${formatMs(target)} target`,
      );
      return 'failed';
    }
    return 'passed';
  };

  /**
   * Game-day mode, once the fault is in place: people work the incident with their own tools. The
   * harness watches for the alert (within its budget) and for recovery (once they have tried a fix),
   * and takes the fault back itself when the time box runs out.
   */
  const respond = async (faultAt: number, timeBoxMs: number): Promise<ScenarioResult['status']> => {
    enter('responding', timeBoxMs);
    const detectBudget = scale(resolved.detectWithinMs);
    const holdWall = scale(resolved.recoveryHoldMs);
    const target = resolved.resolveWithinMs === undefined ? undefined : scale(resolved.resolveWithinMs);
    let silenceNoted = false;
    recoveredAt = await until(
      () => {
        if (!silenceNoted && firedAt === undefined && clock.now() > faultAt + detectBudget) {
          silenceNoted = true;
          note('not-detected', `${rule.name} silent after ${formatMs(detectBudget)}: nobody was paged`);
        }
        return recoveringSince !== undefined && clock.now() - recoveringSince >= holdWall
          ? recoveringSince
          : undefined;
      },
      faultAt + timeBoxMs,
      signal,
    );
    const detectedInTime = firedAt !== undefined && firedAt - faultAt <= detectBudget;
    if (!detectedInTime)
      reasons.push(
        firedAt === undefined
          ? `not detected: ${rule.name} did not fire within ${formatMs(detectBudget)} of the fault (threshold ${rule.comparator} ${rule.threshold})`
          : `detected late: ${rule.name} fired ${formatMs(firedAt - faultAt)} after the fault, over the ${formatMs(detectBudget)} budget`,
      );
    if (recoveredAt === undefined) {
      reasons.push(
        `time box: not resolved within ${formatMs(timeBoxMs)} of the fault; the harness reverted the fault itself`,
      );
      note(
        'time-box',
        `${formatMs(timeBoxMs)} passed with ${rule.name} ${evaluator.state}: reverting the fault`,
      );
      return 'failed';
    }
    note('recovered', `alert resolved and recovery checks held for ${formatMs(holdWall)}`, { recoveredAt });
    desk?.mark('service-restored', 'detected');
    if (target !== undefined && recoveredAt - faultAt > target) {
      reasons.push(`resolved in ${formatMs(recoveredAt - faultAt)}, over the ${formatMs(target)} target`);
      return 'failed';
    }
    return detectedInTime ? 'passed' : 'failed';
  };

  /** Runs the runbook's read-only queries against the live fault and judges them by what the harness knows. */
  const diagnose = async (verifier: RunbookVerifier) => {
    const url = stack.database.adminUrl();
    try {
      const known = [...evidence];
      // What the database says independently; during an outage it says nothing, and that is the fault.
      const [blockers, stored] = await Promise.all([
        blockerEvidence(url).catch(() => undefined),
        ackLedger.check(url).catch(() => undefined),
      ]);
      if (blockers) known.push(blockers);
      const duplicated = stored?.duplicated ?? [];
      if (duplicated.length > 0) {
        known.push({
          values: duplicated,
          description: `${duplicated.length} acknowledged message_id(s) stored twice`,
        });
      }
      const checks = await verifier.duringFault(stack, known);
      const count = (status: string) => checks.filter((check) => check.status === status).length;
      note(
        'runbook-diagnostics',
        `${checks.length} runbook steps tried during the fault: ${count('ok')} ok, ${count('inaccurate')} inaccurate, ${count('broken')} broken`,
      );
    } catch (error) {
      note('runbook-diagnostics-failed', (error as Error).message);
    }
  };

  /** The runbook's steps get their verdicts from the incident's outcome; its claims are judged. */
  const concludeVerification = async (verifier: RunbookVerifier, faultAt: number) => {
    try {
      await verifier.conclude(stack.database.adminUrl(), {
        resolved: recoveredAt !== undefined,
        why:
          recoveredAt !== undefined
            ? `the incident resolved ${formatMs(recoveredAt - faultAt)} after the fault`
            : `the incident did not resolve (${reasons.at(-1) ?? 'gave up'})`,
        claims: claims.results(),
      });
    } catch (error) {
      note('runbook-verify-failed', (error as Error).message);
    }
  };

  let status: ScenarioResult['status'];
  try {
    status = await phases();
    // Still before the revert: the runbook's "after the fix" numbers are measured on the fixed system.
    if (context.verifier && injectedAt !== undefined)
      await concludeVerification(context.verifier, injectedAt);
  } catch (error) {
    if (error instanceof AbortedError) {
      // A facilitator's abort carries its reason; Ctrl-C and SIGTERM do not.
      const why = typeof signal.reason === 'string' ? signal.reason : 'the run was stopped';
      reasons.push(`interrupted: ${why}; faults were reverted`);
      note('aborted', why);
      status = 'aborted';
    } else {
      reasons.push(`error: ${(error as Error).message}`);
      note('error', (error as Error).message);
      status = 'error';
    }
  }

  // The desk closes first: no responder's command may race the revert.
  const responded = await desk?.close();
  // Revert always runs: a fault still being injected is awaited first, then every undo, newest first.
  enter('reverting');
  await injecting?.catch(() => undefined);
  const revertErrors = await revertAll(undos, ledger, note);
  // Traffic ends before the restore steps, so none of them races a late request.
  await traffic.stop().catch(() => undefined);
  // Post-incident restore: undo what the remedy changed on purpose (a disabled flag, a block list).
  for (const step of resolved.restore) {
    try {
      note(
        'restore-step-done',
        `${step.description}: ${await REMEDY_ACTIONS[step.action]!.run(step.params, { stack })}`,
      );
    } catch (error) {
      revertErrors.push(`restore step "${step.description}": ${(error as Error).message}`);
      note('restore-step-failed', `${step.description}: ${(error as Error).message}`);
    }
  }
  await scraper.stop();
  await exporter.close();

  // Invariants: every acknowledged message is in the database.
  const check = await ackLedger.check(stack.database.adminUrl()).catch((error: Error) => {
    reasons.push(`could not check the acknowledged messages: ${error.message}`);
    return undefined;
  });
  const lost = check?.lost.length ?? 0;
  const duplicated = check?.duplicated.length ?? 0;
  note(
    'invariants',
    `${check?.acknowledged ?? ackLedger.size} acknowledged messages, ${lost} lost, ${duplicated} stored more than once`,
  );
  if (revertErrors.length > 0) reasons.push(...revertErrors.map((error) => `fault not reverted: ${error}`));
  if (lost > 0) reasons.push(`${lost} acknowledged message(s) missing from the database`);
  if (duplicated > 0) reasons.push(`${duplicated} acknowledged message(s) stored more than once`);
  const totals = traffic.totals();
  // Containment must not refuse real users: any 403 "blocked" answer to the synthetic users fails it.
  // (Errors while replicas roll are judged by the alert and the recovery checks, not here.)
  if (scenario.invariants.includes('legitimate-traffic-ok') && totals.forbidden > 0) {
    reasons.push(
      `legitimate users were refused: ${totals.forbidden} of their requests were answered 403 blocked`,
    );
  }
  const invariantsHold =
    revertErrors.length === 0 &&
    lost === 0 &&
    duplicated === 0 &&
    check !== undefined &&
    !reasons.some((r) => r.startsWith('legitimate'));
  if (status === 'passed' && !invariantsHold) status = 'failed';

  // An alert with no "for" can fire while a slow injection is still finishing: that counts as 0.
  const timeToDetect =
    firedAt !== undefined && injectedAt !== undefined ? Math.max(0, firedAt - injectedAt) : null;
  const timeToResolve =
    recoveredAt !== undefined && injectedAt !== undefined ? recoveredAt - injectedAt : null;
  return {
    id: scenario.id,
    title: scenario.title,
    runbook: {
      number: scenario.runbook.number,
      title: resolved.runbookTitle,
      procedure: scenario.runbook.procedure,
    },
    severity: resolved.severity,
    status,
    reasons,
    fault: {
      kind: resolved.faults.map((fault) => fault.kind).join(' + '),
      description: resolved.faults.map((fault) => fault.description).join(' + '),
      injectionMs,
    },
    alertRule: {
      name: rule.name,
      expression: toPromQL(rule.expr),
      comparator: rule.comparator,
      threshold: rule.threshold,
      forMs: rule.forMs,
      origin: rule.origin,
    },
    detection: {
      alert: rule.name,
      fired: timeToDetect !== null,
      timeToDetectMs: timeToDetect,
      budgetMs: scale(resolved.detectWithinMs),
      timeToDetectAtRunbookScaleMs: timeToDetect === null ? null : clock.atRunbookScale(timeToDetect),
    },
    resolution: {
      resolved: timeToResolve !== null,
      timeToResolveMs: timeToResolve,
      remedyWorkMs: remedyWorkMs(),
      targetMs: resolved.resolveWithinMs === undefined ? null : scale(resolved.resolveWithinMs),
      // Recovery can begin while the last remedy step is still finishing (a failover's repoint rollout):
      // then all of it was remedy work, none of it is scaled.
      timeToResolveAtRunbookScaleMs:
        timeToResolve === null
          ? null
          : clock.atRunbookScale(timeToResolve - Math.min(remedyWorkMs(), timeToResolve)) +
            Math.min(remedyWorkMs(), timeToResolve),
    },
    falseAlarm: firedDuringBaseline,
    remedy: remedyLog,
    decisions,
    runbookChecks: context.verifier?.results() ?? [],
    claims: claims.results(),
    faultsReverted: revertErrors.length === 0,
    revertErrors,
    lostMessages: lost,
    acknowledgedMessages: check?.acknowledged ?? ackLedger.size,
    duplicatedMessages: duplicated,
    traffic: { ...totals, socketMessagesReceived: traffic.received, sendRetries: traffic.sendRetries },
    ...(responded
      ? {
          responders: {
            ...responded,
            runbookSteps: runbookStepUse(
              context.responders!.runbookSteps,
              scenario.runbook.procedure,
              responded.actions,
            ),
          },
        }
      : {}),
    timeline,
    series: series.series(),
    startedAt: new Date(started).toISOString(),
    durationMs: clock.now() - started,
  };
}

function formatValue(value: number | undefined): string {
  return value === undefined ? 'no data' : Number(value.toPrecision(4)).toString();
}
