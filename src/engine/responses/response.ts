import type { ScenarioResult, ScenarioStatus } from '../result.ts';
import type { ResponderTraits, ScenarioRun } from '../scenario-run.ts';

/** How a scenario's phase ends: undefined lets the next phase run; a verdict ends the scenario. */
export type PhaseOutcome = Promise<Exclude<ScenarioStatus, 'error' | 'aborted'> | undefined>;

/**
 * Who responds once the fault is in place, and how: the runbook's remedy carried out by the harness,
 * nobody (the negative twin), the runbook's own steps tried and judged (`runbook verify`), or people
 * at the desk (game-day mode). The driver calls these and nothing else differs between them.
 */
export interface Response extends ResponderTraits {
  /** Before the baseline: what the remedy needs in place before anything breaks (a scheduled backup). */
  prepare(run: ScenarioRun): Promise<void>;
  /** From the fault in place to the verdict: detection, the response and recovery, as this responder sees them. */
  respond(run: ScenarioRun): Promise<Exclude<ScenarioStatus, 'error' | 'aborted'>>;
  /** The fixed system is still live, before the revert: a last look (the runbook's "after the fix" numbers). */
  conclude?(run: ScenarioRun): Promise<void>;
  /** Before the revert: hand the stack back (people's commands still running are waited for, bounded). */
  close?(run: ScenarioRun, aborted: boolean): Promise<void>;
  /** This responder's part of the result (the runbook's verdicts, the people's commands). */
  report?(run: ScenarioRun): Partial<Pick<ScenarioResult, 'runbookChecks' | 'responders'>>;
}
