import pg from 'pg';
import { z } from 'zod';
import { defineAction } from './action.ts';

/**
 * Runbook 3, scenario B: find the sessions that block others (pg_blocking_pids, which reports the
 * real blockers) and terminate them.
 */
export const terminateBlockers = defineAction({
  action: 'terminate-blockers',
  params: z.object({}).strict(),
  requires: ['database-superuser'],
  describe: () => 'find the blocking sessions (pg_blocking_pids) and terminate them',
  async run(_, { stack }) {
    const client = new pg.Client({ connectionString: stack.endpoints.database.primaryAdminUrl });
    await client.connect();
    try {
      const { rows } = await client.query<{
        pid: number;
        application_name: string;
        query: string;
        blocked: string;
      }>(
        `SELECT b.pid, b.application_name, b.query, count(*)::text AS blocked
         FROM pg_stat_activity w, unnest(pg_blocking_pids(w.pid)) AS blocker(pid)
         JOIN pg_stat_activity b ON b.pid = blocker.pid
         GROUP BY b.pid, b.application_name, b.query`,
      );
      if (rows.length === 0) throw new Error('no session is blocking another');
      for (const row of rows) await client.query('SELECT pg_terminate_backend($1)', [row.pid]);
      return rows
        .map((r) => `terminated pid ${r.pid} (${r.application_name}: ${r.query}) blocking ${r.blocked}`)
        .join('; ');
    } finally {
      await client.end();
    }
  },
});

/** Runbook 4: promote the read replica to primary. */
export const promoteReplica = defineAction({
  action: 'promote-replica',
  params: z.object({}).strict(),
  requires: ['promote-replica'],
  describe: () => 'promote the read replica to primary',
  async run(_, { stack }) {
    const started = performance.now();
    await stack.database.promoteReplica();
    return `replica promoted in ${((performance.now() - started) / 1000).toFixed(1)} s`;
  },
});

/** Runbook 4: point the backend at the new primary (`kubectl set env DATABASE_URL=…`, a rolling restart). */
export const repointDatabase = defineAction({
  action: 'repoint-database',
  params: z.object({}).strict(),
  requires: ['rollout', 'promote-replica'],
  describe: () => 'set DATABASE_URL to the promoted replica (rolling restart)',
  async run(_, { stack }) {
    const url = stack.endpoints.database.replicaAppUrl;
    if (!url) throw new Error('this stack has no replica to point at');
    const revision = await stack.backend.setEnv({ DATABASE_URL: url });
    return `rolled out revision ${revision.revision} pointing at the replica`;
  },
});
