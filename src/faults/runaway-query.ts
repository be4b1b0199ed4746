import { z } from 'zod';
import { databaseClient, withDatabase } from '../stack/database-session.ts';
import { defineFaultKind } from './fault.ts';

const APPLICATION_NAME = 'adhoc-analytics';

/** Hashes every message 200 times: keeps a core busy for many minutes unless somebody stops it. */
const CPU_BOUND_SQL = `SELECT count(*) FROM messages a CROSS JOIN LATERAL (
  SELECT md5(a.content || b.n::text) AS h FROM generate_series(1, 200) AS b(n)) x WHERE x.h LIKE '0000%'`;

/**
 * Runaway queries (runbook 3, scenario D): sessions running CPU-bound analytics queries on the primary,
 * each pinning a core, until they are terminated.
 */
export const runawayQuery = defineFaultKind({
  kind: 'runaway-query',
  params: z.object({ sessions: z.number().int().min(1).max(8) }).strict(),
  requires: ['database-superuser'],
  describe: ({ sessions }) =>
    `${sessions} CPU-bound analytics ${sessions === 1 ? 'query' : 'queries'} on the primary`,
  async inject({ sessions }, { stack, note, evidence }, registerUndo) {
    const url = new URL(stack.endpoints.database.primaryAdminUrl);
    url.searchParams.set('application_name', APPLICATION_NAME);
    // Terminating a session is the remedy: its client's errors must not crash the harness.
    const clients = Array.from({ length: sessions }, () =>
      databaseClient({ connectionString: url.toString() }),
    );
    const runawayPids = `SELECT pid FROM pg_stat_activity WHERE application_name = '${APPLICATION_NAME}' AND state = 'active'`;
    await registerUndo(
      async () => {
        // Whatever the remedy did not stop is stopped here (also the sessions of a crashed run).
        await withDatabase(stack.database.adminUrl(), (admin) =>
          admin.query(`SELECT pg_terminate_backend(pid) FROM (${runawayPids}) AS runaway`),
        );
        await Promise.all(clients.map((client) => client.end().catch(() => undefined)));
      },
      { applicationName: APPLICATION_NAME },
      () =>
        withDatabase(stack.database.adminUrl(), async (admin) => {
          const { rows } = await admin.query(runawayPids);
          return rows.length > 0 ? `${rows.length} runaway query session(s) still running` : undefined;
        }),
    );
    const pids: number[] = [];
    for (const client of clients) {
      await client.connect();
      pids.push((await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid);
      void client.query(CPU_BOUND_SQL).catch(() => undefined);
    }
    note(`runaway sessions: pids ${pids.join(', ')}`);
    evidence?.(pids.map(String), `pid ${pids.join(', ')}, the runaway queries`);
  },
});
