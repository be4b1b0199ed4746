import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/core/errors.ts';
import { FaultGuard } from '../../src/testing/fault-guard.ts';
import { FakeClock } from '../support/fakes/fake-clock.ts';
import { MemoryLedger } from '../support/fakes/fake-services.ts';
import { FakeStack } from '../support/fakes/fake-stack.ts';

/**
 * gameday/testing's faults on the fake stack (a deployment whose rollouts take time on a fake clock):
 * a forgotten `await` is waited for and reverted, a failed revert is named and left in the ledger,
 * bad input touches nothing.
 */
function setUp() {
  const clock = new FakeClock();
  const stack = new FakeStack({ clock, rolloutMs: 5_000 });
  const ledger = new MemoryLedger();
  const notes: string[] = [];
  const guard = new FaultGuard(
    () => stack,
    ledger,
    clock,
    (line) => notes.push(line),
  );
  return { clock, stack, ledger, guard, notes };
}

describe('the faults a test injects', () => {
  it('are all reverted, even one whose injection was never awaited', async () => {
    const { stack, ledger, guard } = setUp();
    // The test forgot the await: the rollout is still under way when the test ends.
    void guard.inject('deploy-release', { release: '1.5.0' });
    expect(stack.release).toBe('1.4.2');
    await guard.revertAll();
    // The injection finished first (no damage after its undo), then the undo ran.
    expect(stack.revisions.map((r) => r.release)).toEqual(['1.4.2', '1.5.0', '1.4.2']);
    expect(ledger.entries).toEqual([
      { id: 1, description: 'deploy release 1.5.0 (rolling update)', state: 'reverted' },
    ]);
    expect(guard.active()).toEqual([]);
  });

  it('are reverted newest first, and one undone by the test is not undone again', async () => {
    const { stack, guard } = setUp();
    const first = await guard.inject('deploy-release', { release: '1.5.0' });
    await guard.inject('deploy-release', { release: '1.5.1' });
    await first.undo();
    await first.undo();
    // Undoing the first put back 1.4.2 (its own "before"); the second is still registered.
    expect(guard.active()).toEqual(['deploy release 1.5.1 (rolling update)']);
    await guard.revertAll();
    expect(stack.revisions.map((r) => r.release)).toEqual(['1.4.2', '1.5.0', '1.5.1', '1.4.2', '1.5.0']);
  });

  it('name a fault whose revert failed, which stays in the ledger for `gameday cleanup`', async () => {
    const { stack, ledger, guard } = setUp();
    await guard.inject('deploy-release', { release: '1.5.0' });
    stack.overrides.deploy = () => Promise.reject(new Error('the cluster refused the rollout'));
    await expect(guard.revertAll()).rejects.toThrow(
      /faults could not be reverted .*deploy release 1\.5\.0 \(rolling update\): the cluster refused the rollout/,
    );
    expect(ledger.entries[0]).toMatchObject({ state: 'revert-failed' });
  });

  it('refuses an unknown kind, bad parameters and a kind the stack cannot do, before touching anything', async () => {
    const { stack, ledger, guard } = setUp();
    await expect(guard.inject('deploy-relase', {})).rejects.toThrow(/unknown fault "deploy-relase"; known: /);
    await expect(guard.inject('toString', {})).rejects.toThrow(/unknown fault "toString"; known: /);
    const bad = await guard.inject('deploy-release', { release: '', extra: 1 }).catch((error) => error);
    expect(bad).toBeInstanceOf(InputError);
    expect((bad as InputError).problems).toEqual([
      "inject('deploy-release'): release: Too small: expected string to have >=1 characters",
      'inject(\'deploy-release\'): (parameters): Unrecognized key: "extra"',
    ]);
    await expect(guard.inject('freeze-primary', {})).rejects.toThrow(
      "inject('freeze-primary'): needs database-freeze, which the embedded stack cannot do",
    );
    expect(stack.revisions).toHaveLength(1);
    expect(ledger.entries).toEqual([]);
  });
});
