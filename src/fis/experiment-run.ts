import { sleepUntilAborted } from '../core/wait.ts';
import type { ActionRun, FisExecutor } from './executor.ts';
import { isoDurationMs } from './iso-duration.ts';
import { parseSelectionMode, select } from './selection.ts';
import {
  type ActionStatus,
  type ExperimentRecord,
  type ExperimentStatus,
  epochSeconds,
  TERMINAL,
} from './shapes.ts';

/**
 * Reasons as FIS writes them where we have seen them (AWS CLI examples, real runs): "Experiment is
 * initiating.", "Experiment is running.", "Experiment completed.", "Stopping Experiment.", "Experiment
 * halted by stop condition.", "Initial state", "Action was completed.". The rest are ours.
 */
export const REASONS = {
  stoppedByUser: 'Experiment stopped.',
  haltedByStopCondition: 'Experiment halted by stop condition.',
} as const;

export interface RunDependencies {
  executor: FisExecutor;
  /** Runbook time over wall time: at 60, an action's PT5M lasts 5 s. */
  timeScale: number;
  /** Whether a stop condition's alarm is in ALARM now. */
  inAlarm(alarmArn: string): boolean;
}

/**
 * One experiment through FIS's states: pending → initiating (targets resolved) → running (actions in
 * startAfter order, each undone at the end of its duration) → completed; stop → stopping → stopped;
 * failed, with the reason, when a target resolves to nothing or an action fails. Whatever ends it,
 * every action still in place is undone (newest first, each tried) before the final state.
 */
export class ExperimentRun {
  readonly done: Promise<void>;
  private readonly abort = new AbortController();
  private stopReason: string | undefined;
  private failure: string | undefined;
  private readonly undoFailures: string[] = [];
  /** Actions in place, in the order they were started. */
  private readonly held: { name: string; run: ActionRun }[] = [];
  private readonly selected = new Map<string, string[]>();

  constructor(
    readonly record: ExperimentRecord,
    private readonly deps: RunDependencies,
  ) {
    this.record.startTime = epochSeconds();
    this.setState('initiating', 'Experiment is initiating.');
    this.done = this.run();
  }

  get status(): ExperimentStatus {
    return this.record.state.status;
  }

  /** StopExperiment, or a stop condition: answers at once ("stopping"); the undo runs behind. */
  stop(finalReason: string = REASONS.stoppedByUser): void {
    if (TERMINAL.has(this.status) || this.stopReason) return;
    this.stopReason = finalReason;
    this.setState('stopping', 'Stopping Experiment.');
    this.abort.abort();
  }

  /** What each target resolved to, after selection (ListExperimentResolvedTargets). */
  resolvedTargets(): { targetName: string; resourceType: string; resources: string[] }[] {
    return [...this.selected].map(([targetName, resources]) => ({
      targetName,
      resourceType: this.record.targets[targetName]!.resourceType,
      resources,
    }));
  }

  private get halted(): boolean {
    return this.stopReason !== undefined || this.failure !== undefined;
  }

  private async run(): Promise<void> {
    try {
      if (this.record.stopConditions.some((c) => c.value !== undefined && this.deps.inAlarm(c.value)))
        this.stop(REASONS.haltedByStopCondition);
      if (!this.halted) await this.resolveTargets();
      if (!this.halted) {
        this.setState('running', 'Experiment is running.');
        await this.runActions();
      }
    } catch (error) {
      this.failure ??= `Experiment failed: ${messageOf(error)}`;
    }
    await this.unwind();
    this.finish();
  }

  private async resolveTargets(): Promise<void> {
    const { actions, targets, experimentOptions } = this.record;
    const used = new Set(Object.values(actions).flatMap((a) => Object.values(a.targets ?? {})));
    for (const name of used) {
      const spec = targets[name]!;
      let found: string[];
      try {
        found = await this.deps.executor.resolveTargets({
          experimentId: this.record.id,
          name,
          ...structuredClone(spec),
        });
      } catch (error) {
        this.failure = `Target ${name} could not be resolved: ${messageOf(error)}`;
        return;
      }
      if (this.halted) return;
      this.selected.set(
        name,
        select([...new Set(found)], parseSelectionMode(spec.selectionMode) ?? { mode: 'ALL' }),
      );
    }
    for (const [name, action] of Object.entries(actions)) {
      const empty = Object.values(action.targets ?? {}).find((t) => this.selected.get(t)?.length === 0);
      if (experimentOptions.actionsMode === 'skip-all')
        this.setAction(name, 'skipped', 'actionsMode is skip-all.');
      else if (empty === undefined) continue;
      else if (experimentOptions.emptyTargetResolutionMode === 'skip')
        this.setAction(name, 'skipped', `Target ${empty} resolved to no resources.`);
      else {
        this.failure ??= `Target ${empty} resolved to no resources.`;
        this.setAction(name, 'failed', `Target ${empty} resolved to no resources.`);
      }
    }
  }

  private async runActions(): Promise<void> {
    const { actions } = this.record;
    const finished = (name: string) => ['completed', 'skipped'].includes(actions[name]!.state.status);
    const waiting = new Set(Object.keys(actions).filter((name) => actions[name]!.state.status === 'pending'));
    const inFlight = new Map<string, Promise<void>>();
    while (!this.halted) {
      for (const name of waiting) {
        if (!(actions[name]!.startAfter ?? []).every(finished)) continue;
        waiting.delete(name);
        inFlight.set(
          name,
          this.runAction(name).finally(() => inFlight.delete(name)),
        );
      }
      if (inFlight.size === 0) break;
      await Promise.race(inFlight.values());
    }
    await Promise.all(inFlight.values());
  }

  private async runAction(name: string): Promise<void> {
    const action = this.record.actions[name]!;
    const { signal } = this.abort;
    const isoMs =
      action.parameters.duration === undefined ? undefined : isoDurationMs(action.parameters.duration);
    const durationMs = isoMs === undefined ? undefined : isoMs / this.deps.timeScale;
    action.startTime = epochSeconds();
    try {
      if (action.actionId === 'aws:fis:wait') {
        this.setAction(name, 'running', '');
        await sleepUntilAborted(durationMs ?? 0, signal);
      } else {
        this.setAction(name, 'initiating', '');
        const run = await this.deps.executor.start({
          experimentId: this.record.id,
          actionName: name,
          actionId: action.actionId,
          parameters: { ...action.parameters },
          targets: Object.fromEntries(
            Object.entries(action.targets ?? {}).map(([key, target]) => [
              key,
              [...this.selected.get(target)!],
            ]),
          ),
          ...(durationMs === undefined ? {} : { durationMs }),
          signal,
        });
        this.held.push({ name, run });
        this.setAction(name, 'running', '');
        if (this.halted) return;
        await sleepUntilAborted(durationMs ?? 0, signal);
        if (this.halted) return;
        this.held.splice(
          this.held.findIndex((h) => h.run === run),
          1,
        );
        await run.undo();
      }
      if (this.halted) return;
      this.setAction(name, 'completed', 'Action was completed.');
    } catch (error) {
      if (this.stopReason !== undefined && signal.aborted) {
        this.setAction(name, 'stopped', `Action was stopped: ${messageOf(error)}`);
        return;
      }
      this.setAction(name, 'failed', messageOf(error));
      this.failure ??= `Action ${name} (${action.actionId}) failed: ${messageOf(error)}`;
      this.abort.abort();
    }
  }

  /** Undoes what is still in place, newest first, each tried; cancels what never started. */
  private async unwind(): Promise<void> {
    for (const { name, run } of this.held.splice(0).reverse()) {
      this.setAction(name, 'stopping', '');
      try {
        await run.undo();
        this.setAction(name, 'stopped', 'Action was stopped.');
      } catch (error) {
        this.setAction(name, 'failed', `Undo failed: ${messageOf(error)}`);
        this.undoFailures.push(`${name}: ${messageOf(error)}`);
      }
    }
    for (const [name, action] of Object.entries(this.record.actions)) {
      const status = action.state.status;
      if (status === 'pending') this.setAction(name, 'cancelled', 'Action was cancelled.');
      else if (status === 'running' || status === 'initiating')
        this.setAction(name, 'stopped', 'Action was stopped.');
    }
  }

  private finish(): void {
    const undo = this.undoFailures.length ? ` Undo failed for ${this.undoFailures.join('; ')}.` : '';
    if (this.failure !== undefined) this.setState('failed', `${this.failure}${undo}`);
    else if (this.stopReason !== undefined)
      this.setState(undo ? 'failed' : 'stopped', `${this.stopReason}${undo}`);
    else this.setState('completed', 'Experiment completed.');
    this.record.endTime = epochSeconds();
  }

  private setState(status: ExperimentStatus, reason: string): void {
    this.record.state = { status, reason: reason.slice(0, 512) };
  }

  private setAction(name: string, status: ActionStatus, reason: string): void {
    const action = this.record.actions[name]!;
    action.state = { status, reason: reason.slice(0, 512) };
    if (['completed', 'cancelled', 'stopped', 'failed', 'skipped'].includes(status))
      action.endTime = epochSeconds();
  }
}

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));
