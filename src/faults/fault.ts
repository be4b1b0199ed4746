import type { z } from 'zod';
import type { Capability, Stack } from '../stack/stack.ts';

/** Puts the world back as it was; must be safe to run twice and after a partial injection. */
export type Undo = () => Promise<void>;

/** Looks at the stack after the undo: undefined when the fault is gone, else what is still wrong. */
export type Verify = () => Promise<string | undefined>;

/** What a fault can change about its entry once registered (what it recorded, how it reads). */
export interface UndoHandle {
  update(changes: { recorded?: unknown; description?: string }): Promise<void>;
}

/** Registers a fault's undo (on disk too) and the check that it is gone; called BEFORE any damage. */
export type RegisterUndo = (undo: Undo, recorded?: unknown, verify?: Verify) => Promise<unknown>;

/**
 * The same, for a fault back-end (fault-backend.ts): it gets a handle to add what it learns later
 * (an experiment's id) to its entry.
 */
export type RegisterFault = (undo: Undo, recorded?: unknown, verify?: Verify) => Promise<UndoHandle>;

/** A FIS experiment a fault runs, as it moves through its states (the timeline names it). */
export interface ExperimentUpdate {
  experimentId: string;
  status: string;
  detail: string;
}

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
  /** A fault carried out as a FIS experiment tells where its experiment is (started, running, ended). */
  experiment?: (update: ExperimentUpdate) => void;
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
  inject(params: Params, context: FaultContext, registerUndo: RegisterUndo): Promise<void>;
  /**
   * Looks at the stack: undefined when this fault is not in effect, else what still is. The local
   * undo's verify uses it, and so does a back-end that carried the fault out another way (FIS).
   */
  reverted?(params: Params, stack: Stack): Promise<string | undefined>;
}

export function defineFaultKind<const Kind extends string, Schema extends z.ZodType<object, unknown>>(
  kind: Omit<FaultKind<z.output<Schema>, Kind>, 'params'> & { params: Schema },
): FaultKind<z.output<Schema>, Kind> & { params: Schema } {
  // The schema's output is the parameters' type by construction; the compiler cannot see it generically.
  return kind as FaultKind<z.output<Schema>, Kind> & { params: Schema };
}
