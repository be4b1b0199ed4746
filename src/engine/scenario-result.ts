import { toPromQL } from '../detection/expr.ts';
import { firedFor } from './phases/detect.ts';
import type { InvariantsOutcome } from './phases/invariants.ts';
import type { Response } from './responses/response.ts';
import type { Detection, ScenarioResult, ScenarioStatus } from './result.ts';
import type { ScenarioRun } from './scenario-run.ts';

/** The run's state as report.json's contract gives it (see README, "Reports"). */
export function scenarioResult(
  run: ScenarioRun,
  response: Response,
  status: ScenarioStatus,
  revertErrors: string[],
  invariants: InvariantsOutcome,
): ScenarioResult {
  const { resolved, watch, clock, injectedAt, recoveredAt } = run;
  const { scenario, rule, faults } = resolved;
  const detections = resolved.alerts.map((alert): Detection => {
    const firedAt = firedFor(run, alert);
    const faultAt = run.faultInPlaceAt[alert.fault];
    // An alert with no "for" can fire while a slow injection is still finishing (or, in a compound
    // incident, on an earlier fault's account before its own is in place): that counts as 0.
    const ttd = firedAt !== undefined && faultAt !== undefined ? Math.max(0, firedAt - faultAt) : null;
    return {
      alert: alert.rule.name,
      fired: ttd !== null,
      timeToDetectMs: ttd,
      budgetMs: run.scale(alert.detectWithinMs),
      timeToDetectAtRunbookScaleMs: ttd === null ? null : clock.atRunbookScale(ttd),
    };
  });
  const timeToResolve =
    recoveredAt !== undefined && injectedAt !== undefined ? recoveredAt - injectedAt : null;
  const work = run.workJudged?.setAsideMs ?? run.remedyWorkMs();
  const workWhileClearing = run.workJudged?.whileClearingMs ?? 0;
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
    reasons: run.reasons,
    fault: {
      kind: faults.map((fault) => fault.kind).join(' + '),
      description: faults.map((fault) => fault.description).join(' + '),
      injectionMs:
        injectedAt !== undefined && run.injectionStartedAt !== undefined
          ? injectedAt - run.injectionStartedAt
          : null,
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
      ...detections[0]!,
      source: watch.source?.kind ?? 'builtin',
      ...(watch.source ? { parity: watch.source.parity(watch.builtinFiredAt, injectedAt, clock.now()) } : {}),
    },
    ...(resolved.alerts.length > 1
      ? {
          otherDetections: resolved.alerts.slice(1).map((alert, index) => ({
            ...detections[index + 1]!,
            fault: alert.fault,
            runbook: alert.rule.runbook,
          })),
        }
      : {}),
    ...(faults.length > 1
      ? {
          faults: faults.map((fault, index) => ({
            kind: fault.kind,
            description: fault.description,
            afterMs: fault.afterMs,
            injected: run.faultInPlaceAt[index] !== undefined,
          })),
        }
      : {}),
    ...(run.guardNames.length > 0 ? { guards: run.guardNames } : {}),
    resolution: {
      resolved: timeToResolve !== null,
      timeToResolveMs: timeToResolve,
      remedyWorkMs: work,
      ...(workWhileClearing > 0 ? { remedyWorkWhileClearingMs: workWhileClearing } : {}),
      targetMs: resolved.resolveWithinMs === undefined ? null : run.scale(resolved.resolveWithinMs),
      // The work set aside is real time at any scale; the rest of the TTR is scaled back. (Unjudged, as
      // with people at the desk, the work may run past the recovery: then none of the TTR is scaled.)
      timeToResolveAtRunbookScaleMs:
        timeToResolve === null
          ? null
          : clock.atRunbookScale(timeToResolve - Math.min(work, timeToResolve)) +
            Math.min(work, timeToResolve),
    },
    falseAlarm: watch.firedDuringBaseline,
    remedy: run.remedyLog,
    decisions: run.decisions,
    runbookChecks: [],
    claims: watch.claimResults(),
    faultsReverted: revertErrors.length === 0,
    revertErrors,
    lostMessages: invariants.lost,
    acknowledgedMessages: invariants.acknowledged,
    duplicatedMessages: invariants.duplicated,
    traffic: run.load.totals(),
    ...response.report?.(run),
    harness: { eventLoopDelay: run.loopDelay.stop() },
    timeline: run.journal.events,
    series: watch.recordedSeries(),
    startedAt: new Date(run.journal.startedAt).toISOString(),
    durationMs: clock.now() - run.journal.startedAt,
  };
}
