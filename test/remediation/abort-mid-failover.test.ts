import { describe, expect, it } from 'vitest';
import type { JournalEvent } from '../../src/engine/journal.ts';
import type { ResolvedScenario } from '../../src/engine/resolve-scenario.ts';
import { runbookRemedy } from '../../src/engine/responses/runbook-remedy.ts';
import { runScenario } from '../../src/engine/run-scenario.ts';
import type { Scenario } from '../../src/scenario/schema.ts';
import type { Capability, DatabaseControl } from '../../src/stack/stack.ts';
import { FakeClock } from '../support/fakes/fake-clock.ts';
import { FakeLoad, fakeServices, MemoryLedger } from '../support/fakes/fake-services.ts';
import { FakeStack } from '../support/fakes/fake-stack.ts';

/**
 * database-hang's failover cut short by Ctrl-C (the crash matrix's remediate × SIGINT cell), on a fake
 * clock: the primary frozen, the replica's promotion asked for and under way when the run is aborted.
 * The promotion cannot be called back, so the revert waits for it: the freeze's undo then sees the
 * replica as the primary and stops the old one. Undone at once (as before), it thawed the old primary
 * and left it running, taking the backend's writes, while the promotion finished behind it and the
 * invariants read the promoted replica: two primaries, and acknowledged messages "lost".
 */

const PROMOTION_MS = 500;

/** The primary and its replica as the freeze, the promotion and the undo see them. */
class FailoverStack extends FakeStack {
  override readonly capabilities: ReadonlySet<Capability> = new Set<Capability>([
    'rollout',
    'database-freeze',
    'promote-replica',
  ]);
  override readonly endpoints = {
    ...new FakeStack({ clock: new FakeClock(60) }).endpoints,
    database: {
      primaryAdminUrl: 'postgresql://fake:fake@127.0.0.1:9/primary',
      replicaAdminUrl: 'postgresql://fake:fake@127.0.0.1:10/replica',
      appUrl: 'postgresql://fake:fake@127.0.0.1:9/chatdb',
      replicaAppUrl: 'postgresql://fake:fake@127.0.0.1:10/chatdb',
      appUser: 'chatuser',
      appDatabase: 'chatdb',
    },
  };
  primary: 'running' | 'frozen' | 'stopped' = 'running';
  promoted = false;
  /** Both servers primaries at once, as the undo last left them. */
  splitBrain = false;
  override readonly database: DatabaseControl;

  constructor(clock: FakeClock) {
    super({ clock, rolloutMs: 1_000 });
    const unsupported = async (): Promise<never> => {
      throw new Error('the fake stack cannot do that');
    };
    this.database = {
      adminUrl: () =>
        this.promoted ? this.endpoints.database.replicaAdminUrl : this.endpoints.database.primaryAdminUrl,
      stopPrimary: async () => {
        this.primary = 'stopped';
        this.splitBrain = false;
      },
      startPrimary: unsupported,
      promoteReplica: async () => {
        await clock.sleep(PROMOTION_MS);
        this.promoted = true;
        this.splitBrain = this.primary === 'running';
      },
      primaryRunning: () => this.primary !== 'stopped',
      freezePrimary: async () => {
        this.primary = 'frozen';
      },
      thawPrimary: async () => {
        if (this.primary === 'frozen') this.primary = 'running';
        this.splitBrain = this.promoted;
      },
      primaryFrozen: () => this.primary === 'frozen',
      takeBaseBackup: unsupported,
      restoreToPointInTime: unsupported,
    };
  }

  /** Every send fails while the primary hangs. */
  override errorShare(): number {
    return this.primary === 'frozen' ? 1 : 0;
  }
}

function databaseHang(): ResolvedScenario {
  const scenario = {
    id: 'fake-database-hang',
    title: 'The primary hangs: fail over',
    file: 'test/remediation/abort-mid-failover.test.ts',
    runbook: { number: 4 },
    fault: { kind: 'freeze-primary' },
    alert: { name: 'ChatSendsFailing', unit: 'ratio', expr: { fn: 'value', metric: 'fake_error_share' } },
    remedy: [{ action: 'promote-replica' }, { action: 'repoint-database' }],
    recovered: { checks: [], alertResolves: true },
    restore: [],
    claims: [],
    invariants: ['no-acknowledged-message-lost'],
  } as unknown as Scenario;
  const rule = {
    name: 'ChatSendsFailing',
    expr: { fn: 'value', metric: 'fake_error_share', agg: 'max' },
    comparator: '>',
    threshold: 0.05,
    forMs: 60_000,
    severity: 'P1',
    runbook: 4,
    origin: 'the test',
  } as const;
  return {
    scenario,
    runbookTitle: 'Database Recovery',
    severity: 'P1',
    rule,
    alerts: [{ rule, fault: 0, detectWithinMs: 600_000, resolveWithinMs: 1_200_000 }],
    faults: [
      {
        kind: 'freeze-primary',
        params: {},
        description: 'freeze the primary database (connections open, nothing answers)',
        afterMs: 0,
      },
    ],
    remedy: [
      { action: 'promote-replica', params: {}, description: 'promote the read replica to primary' },
      { action: 'repoint-database', params: {}, description: 'set DATABASE_URL to the promoted replica' },
    ],
    restore: [],
    recoveryChecks: [],
    claims: [],
    recoveryNeedsAlertResolved: true,
    baselineMs: 60_000,
    detectWithinMs: 600_000,
    resolveWithinMs: 1_200_000,
    recoveryHoldMs: 60_000,
    requires: ['database-freeze', 'promote-replica', 'rollout'],
  };
}

describe('Ctrl-C while the replica is being promoted (database-hang, remediate × SIGINT)', () => {
  it('the revert waits for the promotion, then stops the old primary: never two primaries', async () => {
    const clock = new FakeClock(60);
    const stack = new FailoverStack(clock);
    const controller = new AbortController();
    const events: JournalEvent[] = [];
    const result = await runScenario(
      databaseHang(),
      {
        stack,
        clock,
        ledger: new MemoryLedger(),
        signal: controller.signal,
        services: fakeServices(
          clock,
          new FakeLoad(),
          () => [{ name: 'fake_error_share', labels: {}, value: stack.errorShare() }],
          250,
        ),
        onEvent: (event) => {
          events.push(event);
          // 0.1 of the way into the promotion.
          if (event.kind === 'remedy-step' && event.detail?.startsWith('promote'))
            void clock.sleep(PROMOTION_MS / 10).then(() => controller.abort());
        },
      },
      runbookRemedy,
    );
    // An abandoned promotion finishes all the same, after the run if nothing waited for it.
    await clock.sleep(PROMOTION_MS);
    expect(result.status).toBe('aborted');
    expect(stack.promoted).toBe(true);
    expect({ primary: stack.primary, splitBrain: stack.splitBrain }).toEqual({
      primary: 'stopped',
      splitBrain: false,
    });
    expect(result.revertErrors).toEqual([]);
    // The revert began only once the promotion was done, within the promotion's own time.
    const aborted = events.find((e) => e.kind === 'aborted')!.at;
    const reverted = events.find((e) => e.kind === 'fault-reverted')!.at;
    expect(reverted - aborted).toBeLessThanOrEqual(PROMOTION_MS);
  });
});
