import type { z } from 'zod';
import type { Capability, Stack } from '../stack/stack.ts';

/** Puts the world back as it was; must be safe to run twice and after a partial injection. */
export type Undo = () => Promise<void>;

/** Looks at the stack after the undo: undefined when the fault is gone, else what is still wrong. */
export type Verify = () => Promise<string | undefined>;

export interface FaultContext {
  stack: Stack;
  /** Aborted when the run is interrupted: a long injection may stop early (its undo still runs). */
  signal?: AbortSignal;
  /** Timeline note from inside the fault (e.g. "index definition saved"). */
  note: (message: string) => void;
  /**
   * When the damage itself began, if the fault knows it better than "when injection started" (a job's
   * logged start): what a responder restores to.
   */
  markOnset?: (at: Date) => void;
  /**
   * What the fault knows about itself that a good diagnostic should show (a pid, a message_id), kept
   * to judge the runbook's queries by (`gameday runbook verify`).
   */
  evidence?: (values: (string | RegExp)[], description: string) => void;
}

/**
 * A kind of real fault: its parameters (validated before anything is touched), the stack powers it
 * needs, and how to inject it. `inject` must call `registerUndo` BEFORE doing any damage, so an
 * interruption at any point still reverts what was done, and gives a `verify` that checks the stack
 * itself afterwards, so "reverted" is observed rather than assumed.
 */
export interface FaultKind<Params extends object = Record<string, unknown>, Kind extends string = string> {
  kind: Kind;
  /** Validates and fills in the parameters; its input type is what scenario files may write. */
  params: z.ZodType<Params, unknown>;
  requires: Capability[];
  describe(params: Params): string;
  inject(
    params: Params,
    context: FaultContext,
    registerUndo: (undo: Undo, recorded?: unknown, verify?: Verify) => Promise<void>,
  ): Promise<void>;
}

export function defineFaultKind<const Kind extends string, Schema extends z.ZodType<object, unknown>>(
  kind: Omit<FaultKind<z.output<Schema>, Kind>, 'params'> & { params: Schema },
): FaultKind<z.output<Schema>, Kind> & { params: Schema } {
  // The schema's output is the parameters' type by construction; the compiler cannot see it generically.
  return kind as FaultKind<z.output<Schema>, Kind> & { params: Schema };
}
