import { AsyncLocalStorage } from 'node:async_hooks';

/** A WebSocket the VU holds open: k6 ends an iteration only once its VU's sockets are closed. */
export interface OpenSocket {
  closed: Promise<void>;
  close(): void;
}

export interface ScenarioState {
  name: string;
  executor: string;
  startTime: number;
  iterations: number;
  tags: Record<string, string>;
}

/** What k6/execution and the metric tags need to know about the running iteration. */
export interface VuContext {
  vuId: number;
  iterationInScenario: number;
  iterationInTest: number;
  scenario: ScenarioState;
  sockets: Set<OpenSocket>;
}

export const vuContext = new AsyncLocalStorage<VuContext>();

export function currentVu(): VuContext {
  const context = vuContext.getStore();
  if (!context) throw new Error('k6 shim: called outside a VU iteration (init context?)');
  return context;
}

/** The tags k6 puts on every sample: the scenario's name and its `tags` (setup() has no scenario). */
export function contextTags(): Record<string, string> {
  const context = vuContext.getStore();
  if (!context) return {};
  return context.scenario.name
    ? { scenario: context.scenario.name, ...context.scenario.tags }
    : context.scenario.tags;
}
