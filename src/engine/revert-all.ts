import type { Undo, Verify } from '../faults/fault.ts';
import type { FaultLedger } from './fault-ledger.ts';

export interface RegisteredUndo {
  /** The fault's entry in the on-disk ledger. */
  id: number;
  description: string;
  undo: Undo;
  verify?: Verify;
}

/**
 * Runs every undo, newest first, then checks on the stack that the fault is really gone. One that
 * throws (or leaves the fault in place) does not stop the others; each outcome is written to the
 * ledger and the timeline, and the failures are returned for the report.
 */
export async function revertAll(
  undos: RegisteredUndo[],
  ledger: FaultLedger,
  note: (kind: string, detail: string) => void,
): Promise<string[]> {
  const errors: string[] = [];
  for (const { id, description, undo, verify } of [...undos].reverse()) {
    try {
      await undo();
      const remaining = await verify?.();
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
