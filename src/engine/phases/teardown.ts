import { REMEDY_ACTIONS } from '../../remediation/registry.ts';
import type { Response } from '../responses/response.ts';
import { revertAll } from '../revert-all.ts';
import { type ScenarioRun, STEP_DEADLINES } from '../scenario-run.ts';

/** After an abort, how long the revert waits for an injection still under way before undoing it anyway. */
const INJECTION_SETTLE_AFTER_ABORT_MS = 15_000;
/** How long the revert waits for an irrevocable remedy step still under way (a promotion). */
const REMEDY_SETTLE_AFTER_ABORT_MS = 15_000;

/**
 * Always runs, whatever happened before: the responder hands the stack back, every fault is reverted
 * (newest first, each checked on the stack), the traffic stops, the remedy's deliberate changes are put
 * back, the measurements stop. Each step has a deadline and none can be aborted, so the whole is
 * bounded even while the stack hangs. Returns what could not be reverted.
 */
export async function teardown(run: ScenarioRun, response: Response, aborted: boolean): Promise<string[]> {
  await response.close?.(run, aborted);
  run.enter('reverting');
  run.watch.faultEnds();
  const { clock } = run;
  // A compound incident's faults still to come: none may start now (the schedule ends at once).
  run.laterFaults?.stop();
  await run.laterFaults?.done;
  if (run.injecting) {
    const settleMs = aborted ? INJECTION_SETTLE_AFTER_ABORT_MS : STEP_DEADLINES.inject;
    await run
      .step('the injection under way', settleMs, () => run.injecting!, { abortable: false })
      .catch(() => undefined);
  }
  // An irrevocable remedy step the abort abandoned still changes the stack (a replica being promoted):
  // an undo run meanwhile would judge the stack as it was (the old primary thawed and left running,
  // taking writes) while the invariants read the promoted replica. A revocable one (a rollout) is not
  // waited for.
  if (run.remedying) {
    await run
      .step('the remedy step under way', REMEDY_SETTLE_AFTER_ABORT_MS, () => run.remedying!, {
        abortable: false,
      })
      .catch(() => undefined);
  }
  const failures = await revertAll(run.undos, run.context.ledger, run.note, {
    clock,
    undoMs: STEP_DEADLINES.undo,
    verifyMs: STEP_DEADLINES.verifyUndo,
  });
  // Traffic ends before the restore steps, so none of them races a late request.
  await run
    .step('stopping the traffic', STEP_DEADLINES.stopTraffic, () => run.load.stop(), { abortable: false })
    .catch(() => undefined);
  // Post-incident restore: undo what the remedy changed on purpose (a disabled flag, a block list).
  for (const step of run.resolved.restore) {
    try {
      const detail = await run.step(
        step.description,
        STEP_DEADLINES.restoreStep,
        () => REMEDY_ACTIONS[step.action]!.run(step.params, { stack: run.stack }),
        { abortable: false },
      );
      run.note('restore-step-done', `${step.description}: ${detail}`);
    } catch (error) {
      failures.push(`restore step "${step.description}": ${(error as Error).message}`);
      run.note('restore-step-failed', `${step.description}: ${(error as Error).message}`);
    }
  }
  await run
    .step('stopping the measurements', STEP_DEADLINES.stopMetrics, () => run.metrics.stop(), {
      abortable: false,
    })
    .catch(() => undefined);
  await run
    .step('stopping the alert source reads', STEP_DEADLINES.stopMetrics, () => run.stopSource(), {
      abortable: false,
    })
    .catch(() => undefined);
  return failures;
}
