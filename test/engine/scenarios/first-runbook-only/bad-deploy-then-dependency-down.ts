import { defineScenario, type RemedyStepSpec } from 'gameday';
import compound from '../../../../scenarios/compound/bad-deploy-then-dependency-down.ts';

/**
 * The compound incident as a responder who follows only the first page's runbook would work it: the
 * rollback, and nothing for the second alert. It must end "not resolved": the uploads keep failing.
 */
export default defineScenario({
  ...compound,
  id: 'bad-deploy-then-dependency-down-first-runbook-only',
  remedy: compound.remedy.filter((step) => !('onAlert' in step)) as [RemedyStepSpec, ...RemedyStepSpec[]],
});
