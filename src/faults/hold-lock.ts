import pg from 'pg';
import { z } from 'zod';
import { databaseClient, withDatabase } from '../stack/database-session.ts';
import { defineFaultKind } from './fault.ts';

/**
 * Lock contention (runbook 3, scenario B): another session takes a table lock that writers need and
 * keeps its transaction open, so every insert waits behind it.
 */
export const holdLock = defineFaultKind({
  kind: 'hold-lock',
  params: z
    .object({
      table: z.string().regex(/^[a-z_][a-z0-9_]*$/, 'expected a table name'),
      mode: z.enum(['SHARE', 'SHARE ROW EXCLUSIVE', 'EXCLUSIVE', 'ACCESS EXCLUSIVE']),
    })
    .strict(),
  requires: ['database-superuser'],
  describe: ({ table, mode }) => `a session holds LOCK TABLE ${table} IN ${mode} MODE in an open transaction`,
  async inject({ table, mode }, { stack, note, evidence }, registerUndo) {
    const url = new URL(stack.endpoints.database.primaryAdminUrl);
    url.searchParams.set('application_name', 'nightly-report-job');
    // The remedy terminates this session; its client must not crash the harness when that happens.
    const session = databaseClient({ connectionString: url.toString() });
    await registerUndo(
      async () => {
        await session.query('ROLLBACK').catch(() => undefined);
        await session.end().catch(() => undefined);
      },
      undefined,
      async () => {
        return withDatabase(stack.database.adminUrl(), async (admin) => {
          const { rows } = await admin.query(
            `SELECT 1 FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
             WHERE a.application_name = 'nightly-report-job' AND l.granted`,
          );
          return rows.length > 0 ? 'the locking session still holds its lock' : undefined;
        });
      },
    );
    await session.connect();
    const { rows } = await session.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    await session.query('BEGIN');
    await session.query(`LOCK TABLE ${pg.escapeIdentifier(table)} IN ${mode} MODE`);
    note(`session pid ${rows[0]!.pid} holds the lock`);
    evidence?.([String(rows[0]!.pid)], `pid ${rows[0]!.pid}, the session holding the lock`);
  },
});
