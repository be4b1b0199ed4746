import type { Stack } from '../stack/stack.ts';
import type { ShellTools } from './run-shell.ts';
import type { Judgement, StepVerdict, WhatWorked } from './verdicts.ts';

/** What the verifier works with during one scenario: the stack, its shell, and the run's undo list. */
export interface VerifyContext {
  stack: Stack;
  shell: ShellTools;
  /**
   * Registers the undo of a change the verifier makes itself (a runbook's server parameter carried
   * out), on disk and in the run's revert list, before the change is made.
   */
  registerUndo(description: string, undo: () => Promise<void>, recorded: unknown): Promise<void>;
  /** How long one fix may take (a rolling restart, an index build). */
  fixDeadlineMs: number;
}

/** A step carried out during the fault, whose verdict waits for the incident's outcome. */
export interface PendingFix {
  base: Pick<StepVerdict, 'line' | 'step' | 'expected'>;
  judgements: Judgement[];
  worked: WhatWorked[];
  /** The step did the job itself (judged by the outcome); otherwise the harness stood in. */
  didIt: boolean;
  /** A judgement still being measured (a settings change reaching the pool). */
  later?: Promise<{ judgement: Judgement; worked: WhatWorked[] } | undefined>;
}
