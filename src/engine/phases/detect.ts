import { formatMs, formatNumber } from '../../core/format.ts';
import type { PhaseOutcome } from '../responses/response.ts';
import type { ScenarioRun } from '../scenario-run.ts';

/** The alert must fire within its budget (runbook time, scaled) of the fault being in place. */
export async function detect(run: ScenarioRun): PhaseOutcome {
  const { rule, detectWithinMs } = run.resolved;
  const budgetMs = run.scale(detectWithinMs);
  run.enter('detecting', budgetMs);
  const fired = await run.until(() => run.watch.firedAt, run.injectedAt! + budgetMs);
  if (fired !== undefined) return undefined;
  const value = run.watch.alertValue === undefined ? 'no data' : formatNumber(run.watch.alertValue);
  const why = run.watch.source?.whyNotDetected();
  run.reasons.push(
    why
      ? `not detected within ${formatMs(budgetMs)} of the fault: ${why} (gameday's own evaluator: ${run.watch.builtinFiredAt === undefined ? 'did not fire either' : `fired after ${formatMs(Math.max(0, run.watch.builtinFiredAt - run.injectedAt!))}`}; last value ${value}, threshold ${rule.comparator} ${rule.threshold})`
      : `not detected: ${rule.name} did not fire within ${formatMs(budgetMs)} of the fault (last value ${value}, threshold ${rule.comparator} ${rule.threshold})`,
  );
  run.note('not-detected', why ?? `${rule.name} silent after ${formatMs(budgetMs)}`);
  return 'failed';
}
