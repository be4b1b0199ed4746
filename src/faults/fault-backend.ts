import type { FaultContext, RegisterFault } from './fault.ts';
import { FAULT_KINDS } from './registry.ts';

/** A fault as a scenario resolved it: its kind, validated parameters and what it does in words. */
export interface ResolvedFault {
  kind: string;
  params: Record<string, unknown>;
  description: string;
}

export type { RegisterFault } from './fault.ts';

/**
 * How faults are carried out: directly on the stack (local), or by another system that does it for us
 * (an AWS FIS experiment). Either way the undo is registered before any damage.
 */
export interface FaultBackend {
  readonly name: string;
  inject(fault: ResolvedFault, context: FaultContext, registerUndo: RegisterFault): Promise<void>;
}

/** Faults carried out by gameday itself, through the fault kinds' registry. */
export const localFaults: FaultBackend = {
  name: 'local',
  inject(fault, context, registerUndo) {
    const kind = FAULT_KINDS[fault.kind];
    if (!kind) throw new Error(`unknown fault kind "${fault.kind}"`);
    return kind.inject(fault.params, context, registerUndo);
  },
};
