import { inProcedure } from '../runbooks/procedure-section.ts';
import type { RunbookStep } from '../runbooks/steps.ts';
import { type Fix, keysIn } from './drill-score.ts';
import type { ResolvedScenario } from './resolve-scenario.ts';

/**
 * The incident's fixes: its remedy's steps on the branches its decisions take (`answers`; without an
 * answer every branch counts), and the observable steps of each answering procedure in the runbooks.
 */
export function incidentFixes(
  resolved: ResolvedScenario,
  answers: ReadonlyMap<string, string>,
  runbooks: readonly { steps: readonly RunbookStep[]; procedure?: string }[],
): Fix[] {
  const fixes: Fix[] = [];
  for (const step of resolved.remedy) {
    if (step.action === 'decide') continue;
    if (step.when && answers.has(step.when.question) && answers.get(step.when.question) !== step.when.answer)
      continue;
    const env =
      step.action === 'set-env' ? (step.params.env as Record<string, unknown> | undefined) : undefined;
    fixes.push({ action: step.action, ...(env ? { envKeys: Object.keys(env) } : {}) });
  }
  for (const { steps, procedure } of runbooks)
    for (const step of steps) {
      if (step.kind !== 'shell' || !step.action || !inProcedure(step.section, procedure)) continue;
      fixes.push({
        action: step.action,
        ...(step.action === 'set-env' ? { envKeys: keysIn(step.text) } : {}),
      });
    }
  return fixes;
}
