import { defineScenario, type RemedyStepSpec } from 'gameday';
import compound from '../../../../scenarios/compound/lock-contention-then-breaker.ts';

/**
 * The compound incident as a responder who follows only the first page's runbook would work it: the
 * blocker terminated, nothing for the breakers. It must end "not resolved": they stay open.
 */
export default defineScenario({
  ...compound,
  id: 'lock-contention-then-breaker-first-runbook-only',
  remedy: compound.remedy.filter((step) => !('onAlert' in step)) as [RemedyStepSpec, ...RemedyStepSpec[]],
});
