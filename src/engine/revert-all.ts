import { Clock } from '../core/clock.ts';
import { withinDeadline } from '../core/deadline.ts';
import type { Undo, Verify } from '../faults/fault.ts';
import type { FaultRecorder } from '../stack/fault-ledger.ts';

export interface RegisteredUndo {
  /** The fault's entry in the on-disk ledger. */
  id: number;
  description: string;
  undo: Undo;
  verify?: Verify;
}

export interface RevertDeadlines {
  clock?: Clock;
  /** How long one undo may take, and then its check on the stack, before it counts as failed. */
  undoMs?: number;
  verifyMs?: number;
}

/**
 * Runs every undo, newest first, then checks on the stack that the fault is really gone. One that
 * throws, hangs past its deadline or leaves the fault in place does not stop the others; each outcome
 * is written to the ledger (a failed one stays there for `gameday cleanup`) and the timeline, and the
 * failures are returned for the report.
 */
export async function revertAll(
  undos: RegisteredUndo[],
  ledger: FaultRecorder,
  note: (kind: 'fault-reverted' | 'revert-failed', detail: string) => void,
  { clock = new Clock(), undoMs = 60_000, verifyMs = 30_000 }: RevertDeadlines = {},
): Promise<string[]> {
  const errors: string[] = [];
  for (const { id, description, undo, verify } of [...undos].reverse()) {
    try {
      await withinDeadline(undo, { what: 'the undo', ms: undoMs, clock });
      const remaining = verify && (await withinDeadline(verify, { what: 'the check', ms: verifyMs, clock }));
      if (remaining) throw new Error(`still in effect after the undo: ${remaining}`);
      await ledger.settle(id, 'reverted');
      note('fault-reverted', description);
    } catch (error) {
      const message = `${description}: ${(error as Error).message}`;
      errors.push(message);
      await ledger.settle(id, 'revert-failed', (error as Error).message);
      note('revert-failed', message);
    }
  }
  return errors;
}
