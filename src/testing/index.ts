/**
 * gameday/testing: resilience tests in a team's own test suite (vitest, jest, node:test). One stack per
 * file (`useStack`), faults injected by kind with their undo (`inject`), every fault left in place
 * reverted after each test, waits for an alert or for recovery that show the series when they fail,
 * synthetic traffic with its ledger of acknowledged messages, and whole scenarios with their verdicts.
 *
 * The runtime entry is entry.js (it loads this module through tsx, gameday shipping TypeScript); this
 * file is what editors and type checkers read.
 */
export type { Duration } from '../core/duration.ts';
export { GamedayError, InputError, StackUnavailableError } from '../core/errors.ts';
export type { ScenarioResult } from '../engine/result.ts';
export type { FaultKindName, FaultSpec } from '../faults/registry.ts';
export { defineScenario, type ScenarioDefinition } from '../scenario/define-scenario.ts';
export * from '../scenario/signals.ts';
export type { Secrets, Stack, StackKind } from '../stack/stack.ts';
export type { StackImages } from '../stack/testcontainers/stack-images.ts';
export type { InjectedFault } from './fault-guard.ts';
export type { AlertReader, Fired, Held } from './stack-watch.ts';
export type { TestStackOptions } from './start-stack.ts';
export {
  type AlertSpec,
  type CheckSpec,
  type ExprSpec,
  type FaultParams,
  TestStack,
  type Traffic,
  type TrafficReport,
  type TrafficSettings,
} from './test-stack.ts';
export { startStack, type TestHooks, useStack } from './use-stack.ts';
