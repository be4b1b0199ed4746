import { formatMs, formatNumber } from '../../core/format.ts';
import type { ResolvedAlert } from '../resolve-scenario.ts';
import type { PhaseOutcome } from '../responses/response.ts';
import type { ScenarioRun } from '../scenario-run.ts';

/** The first alert (the page) must fire within its budget (runbook time, scaled) of the fault being in place. */
export function detect(run: ScenarioRun): PhaseOutcome {
  return awaitAlert(run, run.resolved.alerts[0]!);
}

/** When the alert must have fired by (epoch ms): its budget from its fault in place; undefined before that. */
export function detectionDeadline(run: ScenarioRun, alert: ResolvedAlert): number | undefined {
  const faultAt = run.faultInPlaceAt[alert.fault];
  return faultAt === undefined ? undefined : faultAt + run.scale(alert.detectWithinMs);
}

/**
 * When the alert fired for its own fault: at or after that fault began (or at once, if an earlier
 * fault already had it firing); undefined before its fault begins.
 */
export function firedFor(run: ScenarioRun, alert: ResolvedAlert): number | undefined {
  const began = run.faultStartedAt[alert.fault];
  return began === undefined ? undefined : run.watch.firedAtOf(alert.rule.name, began);
}

/** "fault[1]" for a compound incident's later fault, "the fault" otherwise. */
function faultLabel(run: ScenarioRun, alert: ResolvedAlert): string {
  return run.resolved.faults.length > 1 ? `fault[${alert.fault}]` : 'the fault';
}

/**
 * Waits for one alert to fire within its budget of its own fault, and for that fault to be fully in
 * place (a compound incident's later fault may still be to come: then its budget has not begun). Not
 * firing in time fails the scenario.
 */
export async function awaitAlert(run: ScenarioRun, alert: ResolvedAlert): PhaseOutcome {
  const { rule } = alert;
  const budgetMs = run.scale(alert.detectWithinMs);
  run.enter('detecting', budgetMs);
  // The response to a page begins once its fault is fully in place (a blip over, a rollout done), as it
  // does for the first fault: a breaker reset while the network is still cut would not hold.
  const fired = await run.until(() => {
    const deadline = detectionDeadline(run, alert);
    if (deadline === undefined) return undefined;
    if (firedFor(run, alert) !== undefined) return true;
    return run.clock.now() >= deadline ? false : undefined;
  }, Number.POSITIVE_INFINITY);
  if (fired) return undefined;
  const why = sourceWhy(run, alert);
  run.reasons.push(notDetected(run, alert));
  run.undetected.add(rule.name);
  run.note('not-detected', why ?? `${rule.name} silent after ${formatMs(budgetMs)}`);
  return 'failed';
}

/**
 * Why the team's alerting system gave no detection, for the alert it is read for (the page); undefined
 * when gameday's own evaluator is the source, or for a compound incident's other alerts (judged by it).
 */
function sourceWhy(run: ScenarioRun, alert: ResolvedAlert): string | undefined {
  const { source } = run.watch;
  return source && source.alert === alert.rule.name ? source.whyNotDetected() : undefined;
}

function notDetected(run: ScenarioRun, alert: ResolvedAlert): string {
  const { rule } = alert;
  const budgetMs = run.scale(alert.detectWithinMs);
  const value = run.watch.alerts().find((a) => a.name === rule.name)?.value;
  const shown = value === undefined ? 'no data' : formatNumber(value);
  const why = sourceWhy(run, alert);
  if (why) {
    const builtinFiredAt = run.watch.builtinFiredAt;
    const faultAt = run.faultInPlaceAt[alert.fault]!;
    return `not detected within ${formatMs(budgetMs)} of ${faultLabel(run, alert)}: ${why} (gameday's own evaluator: ${builtinFiredAt === undefined ? 'did not fire either' : `fired after ${formatMs(Math.max(0, builtinFiredAt - faultAt))}`}; last value ${shown}, threshold ${rule.comparator} ${rule.threshold})`;
  }
  return `not detected: ${rule.name} did not fire within ${formatMs(budgetMs)} of ${faultLabel(run, alert)} (last value ${shown}, threshold ${rule.comparator} ${rule.threshold})`;
}

/**
 * A compound incident's other alerts, judged once the response is over: each must have fired within
 * its budget of its own fault. One whose fault never came, or whose budget had not run out when the
 * incident ended, is not judged. Returns whether every judged alert was detected in time.
 */
export function judgeOtherAlerts(run: ScenarioRun): boolean {
  let detected = true;
  for (const alert of run.resolved.alerts.slice(1)) {
    const { name } = alert.rule;
    if (run.undetected.has(name)) {
      detected = false;
      continue;
    }
    const deadline = detectionDeadline(run, alert);
    if (deadline === undefined) continue;
    const firedAt = firedFor(run, alert);
    if (firedAt === undefined && run.clock.now() < deadline) continue;
    if (firedAt !== undefined && firedAt <= deadline) continue;
    detected = false;
    run.undetected.add(name);
    run.reasons.push(
      firedAt === undefined
        ? notDetected(run, alert)
        : `detected late: ${name} fired ${formatMs(firedAt - run.faultInPlaceAt[alert.fault]!)} after ${faultLabel(run, alert)}, over the ${formatMs(run.scale(alert.detectWithinMs))} budget`,
    );
  }
  return detected;
}
