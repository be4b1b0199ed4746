import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import type { Undo, Verify } from '../../../src/faults/fault.ts';
import { FAULT_KINDS } from '../../../src/faults/registry.ts';
import { containersOption } from '../../../src/stack/containers/base-image.ts';
import { docker } from '../../../src/stack/containers/docker-cli.ts';
import { EmbeddedStack } from '../../../src/stack/embedded/embedded-stack.ts';

/**
 * The hang fault on both stacks: the primary's processes frozen (SIGSTOP here, `docker pause` in
 * containers), so a connection is accepted and a query never answered; reverted, the same session
 * answers again. A stack taken down while frozen still stops. After a failover the old primary is
 * stopped without being thawed, so nothing queued on it commits.
 */
const stacks: EmbeddedStack[] = [];
afterAll(async () => {
  await Promise.all(stacks.map((stack) => stack.down()));
});

/** A query on an already-open session, with a client-side limit: a frozen server enforces none. */
async function answers(client: pg.Client): Promise<boolean> {
  try {
    await client.query({ text: 'SELECT 1', query_timeout: 1_000 } as pg.QueryConfig);
    return true;
  } catch (error) {
    expect((error as Error).message).toMatch(/timeout/i);
    return false;
  }
}

describe.each(['embedded', 'containers'] as const)('freeze-primary on the %s stack', (kind) => {
  it('hangs the primary with its sessions open, and its undo brings the server back', async () => {
    const containers = kind === 'containers' ? await containersOption(() => undefined) : undefined;
    const stack = await EmbeddedStack.up({
      seed: 'tiny',
      replicas: 1,
      ...(containers ? { containers } : {}),
    });
    stacks.push(stack);
    const client = new pg.Client({ connectionString: stack.database.adminUrl() });
    await client.connect();
    expect(await answers(client)).toBe(true);

    let undo: Undo | undefined;
    let verify: Verify | undefined;
    await FAULT_KINDS['freeze-primary']!.inject(
      {},
      { stack, note: () => undefined },
      async (registered, _recorded, check) => {
        undo = registered;
        verify = check;
      },
    );
    expect(stack.database.primaryFrozen()).toBe(true);
    expect(await answers(client)).toBe(false);
    expect(await verify!()).toBe('the primary database is still frozen');
    if (kind === 'containers') {
      const paused = await docker([
        'ps',
        '--filter',
        `label=io.gameday.stack=${stack.id}`,
        '--filter',
        'status=paused',
        '-q',
      ]);
      expect(paused.split('\n').filter(Boolean)).toHaveLength(1);
    }

    await undo!();
    expect(await verify!()).toBe(undefined);
    // The query that timed out is still queued on the session; once it drains, the session answers.
    await client.end().catch(() => undefined);
    const again = new pg.Client({ connectionString: stack.database.adminUrl() });
    await again.connect();
    expect(await answers(again)).toBe(true);
    await again.end();

    // Frozen again and taken down: the stack still stops (it thaws the server first).
    await stack.database.freezePrimary();
    await stack.down();
    expect(stack.database.primaryRunning()).toBe(false);
  }, 120_000);

  it('after a failover, its undo stops the old primary while frozen: a write queued on it never commits', async () => {
    const containers = kind === 'containers' ? await containersOption(() => undefined) : undefined;
    const stack = await EmbeddedStack.up({
      seed: 'tiny',
      replicas: 1,
      ...(containers ? { containers } : {}),
    });
    stacks.push(stack);
    // A session of the backend's, still on the primary (the failover cut short before the repoint).
    const client = new pg.Client({ connectionString: stack.endpoints.database.primaryAdminUrl });
    client.on('error', () => undefined);
    await client.connect();
    let undo: Undo | undefined;
    await FAULT_KINDS['freeze-primary']!.inject({}, { stack, note: () => undefined }, async (registered) => {
      undo = registered;
    });
    const queued = client
      .query(`INSERT INTO conversations (id, title) VALUES ('queued-while-frozen', 'on the old primary')`)
      .then(
        () => 'committed',
        (error: Error) => error.message,
      );
    await stack.database.promoteReplica();
    expect(stack.database.adminUrl()).not.toBe(stack.endpoints.database.primaryAdminUrl);

    await undo!();
    // Thawed before it was stopped, the old primary committed the write and answered it: a write the
    // backend would have acknowledged, then looked for on the promoted replica.
    expect(await queued).not.toBe('committed');
    expect(stack.database.primaryRunning()).toBe(false);
    expect(stack.database.primaryFrozen()).toBe(false);
    await client.end().catch(() => undefined);
  }, 120_000);
});
