import { z } from 'zod';
import { withDatabase } from '../stack/database-session.ts';
import { defineAction } from './action.ts';

/**
 * Runbook 3, scenario B: find the sessions that block others (pg_blocking_pids, which reports the
 * real blockers) and terminate them.
 */
export const terminateBlockers = defineAction({
  action: 'terminate-blockers',
  looksLike: /\bpg_terminate_backend\s*\(/i,
  params: z.object({}).strict(),
  requires: ['database-superuser'],
  describe: () => 'find the blocking sessions (pg_blocking_pids) and terminate them',
  asSql: () =>
    'SELECT pg_terminate_backend(blocking_pid) FROM (SELECT DISTINCT unnest(pg_blocking_pids(pid)) AS blocking_pid FROM pg_stat_activity) AS blockers;',
  async run(_, { stack }) {
    return withDatabase(stack.endpoints.database.primaryAdminUrl, async (client) => {
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
    });
  },
});

/**
 * Runbook 3, scenario D: list the non-idle queries oldest first and terminate the read-only ones that
 * have run longer than `minSeconds` (real seconds: a query's run time is not scaled). A long write is
 * left alone and reported, as the runbook says to consult a DBA before killing one.
 */
export const terminateLongQueries = defineAction({
  action: 'terminate-long-queries',
  looksLike: /\bpg_terminate_backend\s*\(/i,
  params: z.object({ minSeconds: z.number().min(0) }).strict(),
  requires: ['database-superuser'],
  describe: ({ minSeconds }) => `terminate read-only queries running longer than ${minSeconds} s`,
  asSql: ({ minSeconds }) =>
    `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE state <> 'idle' AND pid <> pg_backend_pid() AND backend_type = 'client backend' AND query ~* '^\\s*(select|with)\\M' AND now() - query_start > interval '${minSeconds} seconds';`,
  async run({ minSeconds }, { stack }) {
    return withDatabase(stack.database.adminUrl(), async (client) => {
      const { rows } = await client.query<{
        pid: number;
        application_name: string;
        seconds: number;
        read_only: boolean;
      }>(
        `SELECT pid, application_name, extract(epoch FROM now() - query_start)::float AS seconds,
                query ~* '^\\s*(select|with)\\M' AS read_only
         FROM pg_stat_activity
         WHERE state <> 'idle' AND pid <> pg_backend_pid() AND backend_type = 'client backend'
           AND now() - query_start > make_interval(secs => $1)
         ORDER BY query_start ASC`,
        [minSeconds],
      );
      const killable = rows.filter((row) => row.read_only);
      if (killable.length === 0) {
        throw new Error(
          rows.length === 0
            ? `no query has run longer than ${minSeconds} s`
            : `only writes have run longer than ${minSeconds} s (${rows.map((r) => r.pid).join(', ')}): a DBA decides`,
        );
      }
      for (const row of killable) await client.query('SELECT pg_terminate_backend($1)', [row.pid]);
      return killable
        .map((r) => `terminated pid ${r.pid} (${r.application_name}, running ${r.seconds.toFixed(1)} s)`)
        .join('; ');
    });
  },
});

/**
 * Runbook 3, scenario C, "investigate connection leaks": count sessions by state (the runbook's query),
 * find the application holding the most sessions idle in a transaction for longer than `minSeconds`,
 * and terminate that application's sessions.
 */
export const terminateLeakedSessions = defineAction({
  action: 'terminate-leaked-sessions',
  looksLike: /\bpg_terminate_backend\s*\(/i,
  params: z.object({ minSeconds: z.number().min(0).default(1) }).strict(),
  requires: ['database-superuser'],
  describe: () => 'find the application leaking idle-in-transaction sessions and terminate them',
  async run({ minSeconds }, { stack }) {
    return withDatabase(stack.database.adminUrl(), async (client) => {
      const byState = await client.query<{ count: number; state: string | null }>(
        'SELECT count(*)::int AS count, state FROM pg_stat_activity GROUP BY state ORDER BY 1 DESC',
      );
      const { rows } = await client.query<{ application_name: string; sessions: number }>(
        `SELECT application_name, count(*)::int AS sessions FROM pg_stat_activity
         WHERE state = 'idle in transaction' AND now() - state_change > make_interval(secs => $1)
         GROUP BY application_name ORDER BY sessions DESC LIMIT 1`,
        [minSeconds],
      );
      const states = byState.rows.map((row) => `${row.count} ${row.state ?? 'background'}`).join(', ');
      const leaker = rows[0];
      if (!leaker)
        throw new Error(`no session has been idle in a transaction for ${minSeconds} s (${states})`);
      const terminated = await client.query<{ n: number }>(
        `SELECT count(*) FILTER (WHERE pg_terminate_backend(pid))::int AS n FROM pg_stat_activity
         WHERE application_name = $1 AND pid <> pg_backend_pid()`,
        [leaker.application_name],
      );
      return `sessions by state: ${states}; terminated ${terminated.rows[0]!.n} sessions of ${leaker.application_name}`;
    });
  },
});

/** Runbook 4: promote the read replica to primary. */
export const promoteReplica = defineAction({
  action: 'promote-replica',
  looksLike: /\bpromote\b|pg_promote\b|promote-read-replica\b/i,
  params: z.object({}).strict(),
  requires: ['promote-replica'],
  describe: () => 'promote the read replica to primary',
  // pg_promote, once asked, completes: the freeze's undo must know the replica is the primary.
  irrevocable: true,
  async run(_, { stack }) {
    const started = performance.now();
    await stack.database.promoteReplica();
    return `replica promoted in ${((performance.now() - started) / 1000).toFixed(1)} s`;
  },
});

/** Runbook 4: point the backend at the new primary (`kubectl set env DATABASE_URL=…`, a rolling restart). */
export const repointDatabase = defineAction({
  action: 'repoint-database',
  looksLike: /\bDATABASE_URL=/,
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
