import type { TargetSpec } from './shapes.ts';

/**
 * The seam between the FIS endpoint and the stack it runs on: the endpoint keeps FIS's state machine
 * (targets resolved, actions started in startAfter order, each undone at the end of its duration, on
 * StopExperiment or when the experiment fails), and an executor does the real work. gameday's
 * executor maps each action onto a fault kind; the endpoint never learns what the stack is.
 */
export interface FisExecutor {
  /**
   * The resources a template target names, as they are now (ARNs or ids); [] when none match, which
   * fails the experiment (or skips its actions, with emptyTargetResolutionMode "skip"). The endpoint
   * applies the target's selectionMode to what this returns.
   */
  resolveTargets(target: FisTarget): Promise<string[]>;
  /**
   * Carries out one action. For an action with a duration, resolve once the fault is in place; for an
   * instant one (reboot, stop-task, pod-delete, failover), once it is done: the endpoint calls `undo`
   * straight after, for what FIS leaves to AWS (ECS replaces a stopped task, a rebooted instance comes
   * back). If it rejects, it must have put back whatever it did: the action and the experiment fail
   * with its message as the reason. Never called for aws:fis:wait.
   */
  start(action: FisActionStart): Promise<ActionRun>;
}

export interface FisTarget extends TargetSpec {
  experimentId: string;
  /** The target's name in the template. */
  name: string;
}

export interface FisActionStart {
  experimentId: string;
  /** The action's name in the template, and its FIS action id (aws:ecs:stop-task…). */
  actionName: string;
  actionId: string;
  parameters: Record<string, string>;
  /** Target key (Tasks, DBInstances…) → the resources selected for this action. */
  targets: Record<string, string[]>;
  /** How long the fault stays, in wall time (its ISO duration divided by the time scale); none if instant. */
  durationMs?: number;
  /** Aborted when the experiment is stopped or fails while `start` is still running. */
  signal: AbortSignal;
}

/** One action in place. */
export interface ActionRun {
  /** Puts back what `start` did. Called once; a rejection fails the experiment with its message. */
  undo(): Promise<void>;
}
