import { concernsScenario } from '../runbooks/procedure-section.ts';
import type { RunbookStep } from '../runbooks/steps.ts';
import type { ResponderAction } from './responder-desk.ts';

/** One of the runbook's steps for this incident, and whether a responder's command carried it out. */
export interface RunbookStepUse {
  line: number;
  text: string;
  /** The gameday action it maps to (rollback, set-env…); undefined for steps gameday cannot observe. */
  action?: string;
  used: boolean;
  /** When it was first used, ms since the scenario started. */
  usedAtMs?: number;
}

/**
 * The runbook's steps for this incident (its own procedure and the general sections), each marked used
 * when a responder's `gameday ctl` command did the same thing. SQL typed into psql is not seen by the
 * harness, so SQL steps are listed without an action: the post-mortem says they could not be observed.
 */
export function runbookStepUse(
  steps: readonly RunbookStep[],
  procedure: string | undefined,
  actions: readonly ResponderAction[],
): RunbookStepUse[] {
  return steps
    .filter((step) => concernsScenario(step.section, procedure))
    .map((step) => {
      const action = step.kind === 'shell' && step.action !== 'sql' ? step.action : undefined;
      const first = action ? actions.find((a) => a.ok && a.action === action) : undefined;
      return {
        line: step.line,
        text: step.text,
        ...(action ? { action } : {}),
        used: first !== undefined,
        ...(first ? { usedAtMs: first.atMs } : {}),
      };
    });
}
