import { AbortedError, abortReason } from '../core/aborted.ts';
import { baseline, startWatching } from './phases/baseline.ts';
import { judgeOtherAlerts } from './phases/detect.ts';
import { inject } from './phases/inject.ts';
import { checkInvariants } from './phases/invariants.ts';
import { teardown } from './phases/teardown.ts';
import type { ResolvedScenario } from './resolve-scenario.ts';
import type { Response } from './responses/response.ts';
import type { ScenarioResult, ScenarioStatus } from './result.ts';
import { scenarioResult } from './scenario-result.ts';
import { ScenarioRun, type ScenarioRunContext } from './scenario-run.ts';

export type { ScenarioRunContext } from './scenario-run.ts';

/**
 * One scenario, end to end, on one clock (DESIGN, "The loop"):
 *
 *   baseline (traffic flowing, the alert quiet) → inject (undo registered first)
 *   → the response: detect within budget, remediate, recover (see responses/)
 *   → teardown, always: every fault reverted → invariants → the result.
 *
 * Each phase is a function of the run state in phases/; a phase returns a verdict to end the scenario
 * early, or nothing to go on. Any throw (an error, an abort, a step past its deadline) ends the phases
 * and still reverts.
 */
export async function runScenario(
  resolved: ResolvedScenario,
  context: ScenarioRunContext,
  response: Response,
): Promise<ScenarioResult> {
  const run = new ScenarioRun(resolved, context, response);
  let status: ScenarioStatus;
  try {
    await startWatching(run);
    await response.prepare(run);
    status = (await baseline(run)) ?? (await inject(run)) ?? (await response.respond(run));
    // A compound incident's other alerts: each detected within its budget of its own fault.
    if (!judgeOtherAlerts(run) && status === 'passed') status = 'failed';
    await response.conclude?.(run);
  } catch (error) {
    status = stopped(run, error);
  }
  const revertErrors = await teardown(run, response, status === 'aborted');
  const invariants = await checkInvariants(run, revertErrors);
  if (status === 'passed' && !invariants.hold) status = 'failed';
  return scenarioResult(run, response, status, revertErrors, invariants);
}

/** The phases stopped on a throw: an abort (with its reason when one was given) or an error. */
function stopped(run: ScenarioRun, error: unknown): ScenarioStatus {
  // A failure from beside the phases (a later fault) ends their waits as an abort would: it is the error.
  const failure = run.failure ?? error;
  if (!run.failure && (error instanceof AbortedError || run.interruption.aborted)) {
    const why = abortReason(run.interruption) ?? 'the run was stopped';
    run.reasons.push(`interrupted: ${why}; faults were reverted`);
    run.note('aborted', why);
    return 'aborted';
  }
  run.reasons.push(`error: ${(failure as Error).message}`);
  run.note('error', (failure as Error).message);
  return 'error';
}
