import type { z } from 'zod';
import type { Capability, Stack } from '../stack/stack.ts';

export interface ActionContext {
  stack: Stack;
  /** What the responders know about the incident so far. */
  incident?: {
    /** When the damage began (ms since epoch): the job log's start, the deploy's time. */
    faultStartedAt: number;
  };
}

/**
 * A remedy step named after what the runbook tells a responder to do (roll back, create the index…),
 * carried out on whatever runs the stack. `run` returns what it did, for the timeline.
 */
export interface RemedyAction<
  Params extends object = Record<string, unknown>,
  Action extends string = string,
> {
  action: Action;
  /** Validates and fills in the parameters; its input type is what scenario files may write. */
  params: z.ZodType<Params, unknown>;
  requires: Capability[];
  /**
   * How this step reads in any runbook ("rollout undo", "pg_terminate_backend("), so that another
   * team's wording of it is still found when its runbook is verified.
   */
  looksLike?: RegExp;
  describe(params: Params): string;
  /**
   * The action as SQL a responder can paste into psql, when it is SQL: what `gameday runbook fix`
   * writes in place of a runbook step that failed where this action worked.
   */
  asSql?(params: Params): string;
  /** How long the step may take before it is abandoned, when the engine's default is not enough. */
  deadlineMs?: number;
  /**
   * Once begun, the step cannot be called back (a replica asked to promote itself becomes a primary
   * whether anyone waits or not): an abort stops the wait for it, and the revert then waits for it to
   * finish (bounded), so the faults' undos judge the stack as the step leaves it.
   */
  irrevocable?: boolean;
  run(params: Params, context: ActionContext): Promise<string>;
  /** Runs before the fault, when the step needs something in place already (a scheduled backup). */
  prepare?(params: Params, context: ActionContext): Promise<string>;
}

export function defineAction<const Action extends string, Schema extends z.ZodType<object, unknown>>(
  action: Omit<RemedyAction<z.output<Schema>, Action>, 'params'> & { params: Schema },
): RemedyAction<z.output<Schema>, Action> & { params: Schema } {
  // The schema's output is the parameters' type by construction; the compiler cannot see it generically.
  return action as RemedyAction<z.output<Schema>, Action> & { params: Schema };
}
