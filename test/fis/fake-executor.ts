import type { ActionRun, FisActionStart, FisExecutor, FisTarget } from '../../src/fis/executor.ts';

export interface ExecutorEvent {
  what: 'resolve' | 'start' | 'undo';
  name: string;
  at: number;
  start?: Omit<FisActionStart, 'signal'>;
}

/**
 * An in-memory executor for the endpoint's own tests: targets resolve to what `resources` says (by
 * target name, else one made-up ARN per target), and every call is recorded with its time.
 */
export class FakeExecutor implements FisExecutor {
  readonly events: ExecutorEvent[] = [];
  readonly resources = new Map<string, string[]>();
  /** Action name → the message its start (or undo) rejects with. */
  readonly failStart = new Map<string, string>();
  readonly failUndo = new Map<string, string>();
  startDelayMs = 0;

  async resolveTargets(target: FisTarget): Promise<string[]> {
    this.events.push({ what: 'resolve', name: target.name, at: performance.now() });
    return (
      this.resources.get(target.name) ??
      target.resourceArns ?? [`arn:aws:fake:us-east-1:123456789012:${target.resourceType}/${target.name}`]
    );
  }

  async start(action: FisActionStart): Promise<ActionRun> {
    const { signal: _, ...start } = action;
    this.events.push({ what: 'start', name: action.actionName, at: performance.now(), start });
    if (this.startDelayMs) await new Promise((resolve) => setTimeout(resolve, this.startDelayMs));
    const failure = this.failStart.get(action.actionName);
    if (failure) throw new Error(failure);
    return {
      undo: async () => {
        this.events.push({ what: 'undo', name: action.actionName, at: performance.now() });
        const undoFailure = this.failUndo.get(action.actionName);
        if (undoFailure) throw new Error(undoFailure);
      },
    };
  }

  /** The events of one kind, by action (or target) name. */
  of(what: ExecutorEvent['what'], name?: string): ExecutorEvent[] {
    return this.events.filter((e) => e.what === what && (name === undefined || e.name === name));
  }
}
