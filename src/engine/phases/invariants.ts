import { type ScenarioRun, STEP_DEADLINES } from '../scenario-run.ts';

export interface InvariantsOutcome {
  hold: boolean;
  acknowledged: number;
  lost: number;
  duplicated: number;
}

/**
 * What must hold however the scenario went, each as the scenario lists it: no fault left behind
 * (always), every acknowledged message stored exactly once, no legitimate user refused.
 */
export async function checkInvariants(run: ScenarioRun, revertErrors: string[]): Promise<InvariantsOutcome> {
  const listed = new Set(run.resolved.scenario.invariants);
  const reasons: string[] = revertErrors.map((error) => `fault not reverted: ${error}`);
  let outcome = { acknowledged: run.load.acknowledged().length, lost: 0, duplicated: 0 };
  if (listed.has('no-acknowledged-message-lost')) {
    const check = await run
      .step(
        'checking the acknowledged messages',
        STEP_DEADLINES.invariants,
        () => run.load.checkAcknowledged(),
        {
          abortable: false,
        },
      )
      .catch((error: Error) => {
        reasons.push(`could not check the acknowledged messages: ${error.message}`);
        return undefined;
      });
    if (check)
      outcome = {
        acknowledged: check.acknowledged,
        lost: check.lost.length,
        duplicated: check.duplicated.length,
      };
    run.note(
      'invariants',
      `${outcome.acknowledged} acknowledged messages, ${outcome.lost} lost, ${outcome.duplicated} stored more than once`,
    );
    if (outcome.lost > 0) reasons.push(`${outcome.lost} acknowledged message(s) missing from the database`);
    if (outcome.duplicated > 0)
      reasons.push(`${outcome.duplicated} acknowledged message(s) stored more than once`);
  }
  // Containment must not refuse real users: any 403 "blocked" answer to the synthetic users fails it.
  // (Errors while replicas roll are judged by the alert and the recovery checks, not here.)
  const { forbidden } = run.load.totals();
  if (listed.has('legitimate-traffic-ok') && forbidden > 0)
    reasons.push(`legitimate users were refused: ${forbidden} of their requests were answered 403 blocked`);
  run.reasons.push(...reasons);
  return { hold: reasons.length === 0, ...outcome };
}
