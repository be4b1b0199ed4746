import type { Clock } from '../core/clock.ts';
import { withinDeadline } from '../core/deadline.ts';
import { InputError } from '../core/errors.ts';
import { ownEntry } from '../core/own-entry.ts';
import { type RegisteredUndo, revertAll } from '../engine/revert-all.ts';
import { STEP_DEADLINES } from '../engine/scenario-run.ts';
import type { FaultKind } from '../faults/fault.ts';
import { localFaults } from '../faults/fault-backend.ts';
import { FAULT_KINDS } from '../faults/registry.ts';
import type { FaultRecorder } from '../stack/fault-ledger.ts';
import type { Stack } from '../stack/stack.ts';

/** A fault a test injected: what it is, and how to take it away before the test ends. */
export interface InjectedFault {
  readonly kind: string;
  readonly description: string;
  /** Reverts this fault now and checks on the stack that it is gone; safe to call twice. */
  undo(): Promise<void>;
}

/**
 * The faults a test has injected, each with its undo registered (and on disk) before any damage, and
 * every injection still under way: `revertAll` waits for those (a test that forgot to await one) and
 * then reverts everything still in place, newest first, as a scenario's teardown does.
 */
export class FaultGuard {
  private readonly undos: RegisteredUndo[] = [];
  private readonly underWay = new Set<Promise<unknown>>();

  constructor(
    private readonly stack: () => Stack,
    private readonly ledger: FaultRecorder,
    private readonly clock: Clock,
    private readonly note: (line: string) => void,
  ) {}

  /** Checks the kind and its parameters (every problem at once) before anything is touched. */
  static resolve(kind: string, params: unknown, stack: Stack) {
    const faultKind: FaultKind<Record<string, unknown>> | undefined = ownEntry(FAULT_KINDS, kind);
    if (!faultKind)
      throw new InputError([
        `inject: unknown fault "${kind}"; known: ${Object.keys(FAULT_KINDS).join(', ')}`,
      ]);
    const parsed = faultKind.params.safeParse(params ?? {});
    if (!parsed.success)
      throw new InputError(
        parsed.error.issues.map(
          (issue) => `inject('${kind}'): ${issue.path.join('.') || '(parameters)'}: ${issue.message}`,
        ),
      );
    const missing = faultKind.requires.filter((capability) => !stack.capabilities.has(capability));
    if (missing.length > 0)
      throw new InputError([
        `inject('${kind}'): needs ${missing.join(', ')}, which the ${stack.kind} stack cannot do`,
      ]);
    return { kind, params: parsed.data, description: faultKind.describe(parsed.data) };
  }

  /** Resolves once the fault is in place (its undo registered before any damage). */
  async inject(kind: string, params: unknown): Promise<InjectedFault> {
    const fault = FaultGuard.resolve(kind, params, this.stack());
    const registered: RegisteredUndo[] = [];
    const injection = localFaults.inject(
      fault,
      { stack: this.stack(), note: (line) => this.note(`${fault.kind}: ${line}`) },
      async (undo, recorded, verify) => {
        const id = await this.ledger.register({
          scenario: 'gameday/testing',
          kind: fault.kind,
          description: fault.description,
          params: fault.params,
          recorded,
        });
        const entry = { id, description: fault.description, undo, verify };
        registered.push(entry);
        this.undos.push(entry);
        return {
          update: async (changes: { recorded?: unknown; description?: string }) => {
            if (changes.description) entry.description = changes.description;
            await this.ledger.update(id, changes);
          },
        };
      },
    );
    this.underWay.add(injection);
    const settled = () => this.underWay.delete(injection);
    injection.then(settled, settled);
    return withinDeadline(() => injection, {
      what: `injecting ${fault.description}`,
      ms: STEP_DEADLINES.inject,
      clock: this.clock,
    }).then(() => ({
      kind: fault.kind,
      description: fault.description,
      undo: () => this.revert(registered),
    }));
  }

  /** Faults in place now (their descriptions). */
  active(): string[] {
    return this.undos.map((entry) => entry.description);
  }

  /**
   * Waits for any injection still under way (bounded), then reverts every fault in place, newest
   * first; throws naming each fault whose revert failed or whose check found it still there.
   */
  async revertAll(): Promise<string[]> {
    const waiting = [...this.underWay].map((injection) =>
      withinDeadline(() => injection, {
        what: 'an injection still under way',
        ms: STEP_DEADLINES.inject,
        clock: this.clock,
      }).catch(() => undefined),
    );
    await Promise.all(waiting);
    const reverted = this.undos.map((entry) => entry.description);
    await this.revert([...this.undos]);
    return reverted;
  }

  /** Reverts those of `entries` still in place (once each, however often asked). */
  private async revert(entries: RegisteredUndo[]): Promise<void> {
    const inPlace = entries.filter((entry) => this.undos.includes(entry));
    for (const entry of inPlace) this.undos.splice(this.undos.indexOf(entry), 1);
    const errors = await revertAll(inPlace, this.ledger, (kind, detail) => this.note(`${kind}: ${detail}`), {
      clock: this.clock,
      undoMs: STEP_DEADLINES.undo,
      verifyMs: STEP_DEADLINES.verifyUndo,
    });
    if (errors.length > 0)
      throw new Error(
        `faults could not be reverted (still in the fault ledger for \`gameday cleanup\`): ${errors.join('; ')}`,
      );
  }
}
