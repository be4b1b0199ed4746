import { REMEDY_ACTIONS } from '../../remediation/registry.ts';
import { detect } from '../phases/detect.ts';
import { lateRecoveryLimit, recover } from '../phases/recover.ts';
import { remediate } from '../phases/remediate.ts';
import { type ScenarioRun, STEP_DEADLINES } from '../scenario-run.ts';
import type { Response } from './response.ts';

/** What the remedy's steps need in place before anything breaks (the scheduled backup a restore uses). */
export async function prepareRemedy(run: ScenarioRun): Promise<void> {
  for (const step of run.resolved.remedy) {
    const prepare = REMEDY_ACTIONS[step.action]?.prepare;
    if (!prepare) continue;
    const detail = await run.step(`preparing ${step.description}`, STEP_DEADLINES.prepare, () =>
      prepare(step.params, { stack: run.stack }),
    );
    run.note('remedy-prepared', detail);
  }
}

/** The harness carries out the runbook's remedy as the scenario writes it: the default. */
export const runbookRemedy: Response = {
  mode: 'auto',
  recoveryNeedsRemedy: false,
  prepare: prepareRemedy,
  async respond(run) {
    return (await detect(run)) ?? (await remediate(run)) ?? (await recover(run, lateRecoveryLimit(run)));
  },
};
