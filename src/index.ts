/**
 * gameday as a library: what a team's own scenario files import (`import { defineScenario } from
 * 'gameday'`). The CLI (`gameday run --scenarios DIR`) loads them.
 */
export type { Duration } from './core/duration.ts';
export { RESTARTS_METRIC } from './detection/deployment-state.ts';
export type { FaultKindName, FaultSpec } from './faults/registry.ts';
export type { DecisionSpec } from './remediation/decisions.ts';
export type { ActionSpec, RemedyActionName } from './remediation/registry.ts';
export {
  defineScenario,
  type LaterFaultSpec,
  type RemedyStepSpec,
  type ScenarioDefinition,
} from './scenario/define-scenario.ts';
export type { AlertInput } from './scenario/schema.ts';
export * from './scenario/signals.ts';
