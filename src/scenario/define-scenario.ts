import type { Duration } from '../core/duration.ts';
import type { FaultSpec } from '../faults/registry.ts';
import type { DecisionSpec } from '../remediation/decisions.ts';
import type { ActionSpec } from '../remediation/registry.ts';
import type { AlertInput, ScenarioInput } from './schema.ts';

/** What ties a remedy step to the runbook, and the decision branch it runs on ("recent-deploy=yes"). */
interface StepContext {
  /** The runbook's own words for this step, as it is written there. */
  runbookStep?: string;
  when?: `${string}=${'yes' | 'no'}`;
  /** Compound incidents: wait for this alert to fire first (the page whose runbook this step follows). */
  onAlert?: string;
}

/** A fault of a compound incident that comes later: `after` is runbook time since the incident began. */
export type LaterFaultSpec = FaultSpec & { after?: Duration };

/** A remedy step: an action with its parameters, or a runbook decision point. */
export type RemedyStepSpec = (ActionSpec | DecisionSpec) & StepContext;

/**
 * A scenario as its file writes it. Faults and remedy steps are typed from gameday's registries, so a
 * misspelt kind, action or parameter is a compile error in the editor; the same checks run again when
 * the scenario is loaded, for files written in plain JavaScript.
 */
export type ScenarioDefinition = Omit<ScenarioInput, 'fault' | 'remedy' | 'restore' | 'alert'> & {
  /** The fault, or several injected in order (a later one may come `after` a while: a compound incident). */
  fault: FaultSpec | [FaultSpec, ...LaterFaultSpec[]];
  /** The alert, or several (compound incidents: the first is the page; each may name its runbook and fault). */
  alert: AlertInput | [AlertInput, ...AlertInput[]];
  remedy: [RemedyStepSpec, ...RemedyStepSpec[]];
  /** After the faults are reverted: put back what the remedy changed on purpose. */
  restore?: ActionSpec[];
};

/** Declares a scenario: the default export of a scenario file. */
export function defineScenario(scenario: ScenarioDefinition): ScenarioDefinition {
  return scenario;
}
