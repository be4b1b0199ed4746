import type { Stack } from '../stack/stack.ts';
import type { ShellTools } from './run-shell.ts';

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
