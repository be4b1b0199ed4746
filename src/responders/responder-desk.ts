import type { Stack } from '../stack/stack.ts';
import { type CheckpointId, type CheckpointSource, checkpointTitle } from './checkpoints.ts';
import { type CtlOutcome, runCtl } from './ctl-verbs.ts';

/** A checkpoint as recorded: ms since the scenario started. */
export interface RecordedCheckpoint {
  id: CheckpointId;
  title: string;
  atMs: number;
  source: CheckpointSource;
}

/** A `gameday ctl` command a responder ran during a scenario. */
export interface ResponderAction {
  command: string;
  action: string;
  changes: boolean;
  atMs: number;
  ok: boolean;
  error?: string;
}

/** The scenario responders are working on, as the desk needs it. */
export interface DeskScenario {
  id: string;
  title: string;
  stack: Stack;
  /** Adds an event to the scenario's timeline; returns its epoch ms. */
  note: (kind: string, detail: string, extra?: Record<string, unknown>) => number;
  startedAt: number;
}

/**
 * Where game-day responders reach the running scenario: checkpoints (a key, `gameday mark`), kubectl-like
 * commands (`gameday ctl`) and the facilitator's abort. Everything is recorded on the scenario's
 * timeline as it happens, so the post-mortem is written from what really happened.
 */
export class ResponderDesk {
  private scenario: DeskScenario | undefined;
  private checkpoints: RecordedCheckpoint[] = [];
  private actions: ResponderAction[] = [];

  constructor(private readonly onAbort: (reason: string) => void) {}

  open(scenario: DeskScenario): void {
    this.scenario = scenario;
    this.checkpoints = [];
    this.actions = [];
  }

  /** Ends the scenario's turn at the desk and hands back what was recorded. */
  close(): { checkpoints: RecordedCheckpoint[]; actions: ResponderAction[] } {
    this.scenario = undefined;
    return { checkpoints: this.checkpoints, actions: this.actions };
  }

  get activeScenario(): string | undefined {
    return this.scenario?.id;
  }

  /** A fix has been tried: a command that changed the deployment, or "fix deployed" marked. */
  fixAttempted(): boolean {
    return this.actions.some((a) => a.changes && a.ok) || this.has('fix-deployed');
  }

  has(id: CheckpointId): boolean {
    return this.checkpoints.some((checkpoint) => checkpoint.id === id);
  }

  recorded(): RecordedCheckpoint[] {
    return [...this.checkpoints];
  }

  /** Records a checkpoint once (marking it again changes nothing); returns what to tell the responder. */
  mark(id: CheckpointId, source: CheckpointSource): string {
    const scenario = this.current();
    const earlier = this.checkpoints.find((checkpoint) => checkpoint.id === id);
    if (earlier) return `${checkpointTitle(id)} was already marked at +${(earlier.atMs / 1000).toFixed(1)} s`;
    const at = scenario.note('checkpoint', `${checkpointTitle(id)} (${source})`, { checkpoint: id, source });
    this.checkpoints.push({ id, title: checkpointTitle(id), atMs: at - scenario.startedAt, source });
    return `${checkpointTitle(id)} marked for ${scenario.id} at +${((at - scenario.startedAt) / 1000).toFixed(1)} s`;
  }

  async ctl(args: string[]): Promise<CtlOutcome> {
    const scenario = this.current();
    const command = args.join(' ');
    const startedAt = Date.now();
    try {
      const outcome = await runCtl(args, scenario.stack);
      this.actions.push({
        command,
        action: outcome.action,
        changes: outcome.changes,
        atMs: startedAt - scenario.startedAt,
        ok: true,
      });
      scenario.note('responder-action', `gameday ctl ${command}`, {
        action: outcome.action,
        changes: outcome.changes,
      });
      return outcome;
    } catch (error) {
      const message = (error as Error).message;
      if ((error as Error).name !== 'CtlUsageError') {
        this.actions.push({
          command,
          action: 'unknown',
          changes: false,
          atMs: startedAt - scenario.startedAt,
          ok: false,
          error: message,
        });
        scenario.note('responder-action-failed', `gameday ctl ${command}: ${message}`);
      }
      throw error;
    }
  }

  abort(reason: string): void {
    this.scenario?.note('facilitator-abort', reason);
    this.onAbort(reason);
  }

  private current(): DeskScenario {
    if (!this.scenario) throw new NoScenarioError();
    return this.scenario;
  }
}

export class NoScenarioError extends Error {
  constructor() {
    super(
      'no scenario is running right now (between scenarios, or the game day is ending); try again shortly',
    );
    this.name = 'NoScenarioError';
  }
}
