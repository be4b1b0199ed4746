import pg from 'pg';
import { z } from 'zod';
import { withDatabase } from '../stack/database-session.ts';
import { defineFaultKind } from './fault.ts';

const TOO_MANY_CONNECTIONS = '53300';
const RETRY_AFTER_REFUSAL_MS = 500;

/**
 * Runbook 3, scenario C's cause: a worker that leaks connections. It connects as the application's
 * role straight to the primary, opens a transaction and never finishes it, again and again, taking
 * every free slot until PostgreSQL answers "too many clients already" (and each slot that frees up
 * after that). When its sessions are terminated, the job fails and stops, as such a job would.
 */
export const connectionLeak = defineFaultKind({
  kind: 'connection-leak',
  params: z
    .object({
      application: z.string().regex(/^[a-z][a-z0-9-]*$/, 'expected an application name like report-exporter'),
      /** How often the job opens another connection (ms). */
      everyMs: z.number().int().min(1).max(10_000).default(5),
    })
    .strict(),
  requires: ['database-superuser'],
  describe: ({ application }) => `${application} leaks connections until max_connections is reached`,
  async inject({ application, everyMs }, { stack, note, evidence }, registerUndo) {
    // The application's credentials, but straight to the primary: the worker is not behind the proxy.
    const url = new URL(stack.endpoints.database.appUrl);
    const primary = new URL(stack.database.adminUrl());
    url.host = primary.host;
    url.searchParams.set('application_name', application);
    const leaked: pg.Client[] = [];
    let running = true;
    let refused = false;
    const sessions = `SELECT pid FROM pg_stat_activity WHERE application_name = '${application}'`;
    await registerUndo(
      async () => {
        running = false;
        await withDatabase(stack.database.adminUrl(), (admin) =>
          admin.query(`SELECT pg_terminate_backend(pid) FROM (${sessions}) AS leaked`),
        );
        await Promise.all(leaked.map((client) => client.end().catch(() => undefined)));
      },
      { application },
      () =>
        withDatabase(stack.database.adminUrl(), async (admin) => {
          const { rows } = await admin.query(sessions);
          return running || rows.length > 0 ? `${rows.length} leaked session(s) still open` : undefined;
        }),
    );
    const leakOne = async () => {
      const client = new pg.Client({ connectionString: url.toString() });
      // A terminated session (the remedy) fails the job: it stops leaking.
      client.on('error', () => {
        running = false;
      });
      try {
        await client.connect();
        leaked.push(client);
        await client.query('BEGIN');
        await client.query('SELECT count(*) FROM conversations');
      } catch (error) {
        await client.end().catch(() => undefined);
        if ((error as { code?: string }).code === TOO_MANY_CONNECTIONS) {
          if (!refused) note(`${leaked.length} connections leaked; the server now refuses new ones`);
          refused = true;
        }
      }
    };
    // A connection every `everyMs`, without waiting for the previous one (a few at a time at most).
    // Once refused, the job retries one at a time every RETRY_AFTER_REFUSAL_MS: a backend being started
    // holds a slot until it is refused, so a flood of attempts would also take the slots PostgreSQL
    // reserves for superusers, and no DBA could get in (a storm, not a leak).
    let opening = 0;
    void (async () => {
      while (running) {
        if (refused) {
          if (opening === 0) {
            opening += 1;
            void leakOne().finally(() => {
              opening -= 1;
            });
          }
          await new Promise((resolve) => setTimeout(resolve, RETRY_AFTER_REFUSAL_MS));
          continue;
        }
        if (opening < 8) {
          opening += 1;
          void leakOne().finally(() => {
            opening -= 1;
          });
        }
        await new Promise((resolve) => setTimeout(resolve, everyMs));
      }
    })();
    // In place once the job runs: filling the slots is the incident unfolding, which the alert detects.
    note(`${application} started; it opens a connection every ${everyMs} ms and never closes one`);
    evidence?.(
      [application, 'idle in transaction'],
      `the leaked sessions of ${application}, idle in transaction`,
    );
  },
});
