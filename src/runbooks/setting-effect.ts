import pg from 'pg';
import { formatMs } from '../core/format.ts';
import { databaseClient } from '../stack/database-session.ts';
import { type SettingChange, whenItApplies } from './setting-changes.ts';
import type { Judgement, WhatWorked } from './verdicts.ts';

/** Where the application's sessions are, and what the probe may use. */
export interface ProbeTarget {
  /** The application's role on its database (ALTER ROLE / DATABASE … SET are about its sessions). */
  appUrl: string;
  adminUrl: string;
  appUser: string;
  appDatabase: string;
}

const PROBE_NAME = 'gameday-setting-probe';

async function show(client: pg.Client, names: string[]): Promise<Record<string, string>> {
  const values: Record<string, string> = {};
  for (const name of names)
    values[name] = (await client.query(`SHOW ${pg.escapeIdentifier(name)}`)).rows[0]?.[name];
  return values;
}

/** The application's sessions open now that predate `since`, and all of them. */
async function pooledSessions(target: ProbeTarget, since: string): Promise<{ older: number; total: number }> {
  const client = databaseClient({ connectionString: target.adminUrl, connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    const { rows } = await client.query<{ older: number; total: number }>(
      `SELECT count(*) FILTER (WHERE backend_start < $1)::int AS older, count(*)::int AS total
         FROM pg_stat_activity
        WHERE usename = $2 AND datname = $3 AND backend_type = 'client backend'
          AND application_name NOT LIKE 'gameday%'
          AND (application_name LIKE 'chat-backend/%' OR NOT EXISTS (
                SELECT 1 FROM pg_stat_activity WHERE application_name LIKE 'chat-backend/%'))`,
      [since, target.appUser, target.appDatabase],
    );
    return rows[0] ?? { older: 0, total: 0 };
  } finally {
    await client.end();
  }
}

/**
 * Whether a settings change reaches the sessions that serve users: a session opened before the change
 * (as the backend's pooled connections were) is asked the setting after it, a new session too, and the
 * backend's own sessions are counted by age until they are all younger than the change or the window
 * ends. Open it before the change; `judge` after.
 */
export class SettingProbe {
  /** What the session opened before, and a new session, say right after the change (`observe`). */
  private seen: { after: Record<string, string>; newSession: Record<string, string> } | undefined;

  private constructor(
    private readonly target: ProbeTarget,
    private readonly session: pg.Client,
    private readonly changes: SettingChange[],
    private readonly before: Record<string, string>,
    private readonly since: string,
  ) {}

  static async open(target: ProbeTarget, changes: SettingChange[]): Promise<SettingProbe> {
    const session = databaseClient({
      connectionString: target.appUrl,
      connectionTimeoutMillis: 10_000,
      application_name: PROBE_NAME,
    });
    await session.connect();
    try {
      const names = [...new Set(changes.map((change) => change.name))];
      const before = await show(session, names);
      const since = String((await session.query('SELECT now()::text AS now')).rows[0].now);
      return new SettingProbe(target, session, changes, before, since);
    } catch (error) {
      await session.end().catch(() => undefined);
      throw error;
    }
  }

  /**
   * Right after the change, before anything else changes the same setting: what the session opened
   * before it says, and what a new session says.
   */
  async observe(): Promise<void> {
    const names = Object.keys(this.before);
    const after = await show(this.session, names);
    const fresh = databaseClient({
      connectionString: this.target.appUrl,
      connectionTimeoutMillis: 10_000,
      application_name: PROBE_NAME,
    });
    await fresh.connect();
    const newSession = await show(fresh, names).finally(() => fresh.end());
    this.seen = { after, newSession };
  }

  /**
   * After `observe`: how many of the backend's sessions still predate the change after `windowMs`, and
   * the verdict. `replacement` says when the backend replaces its connections (its pool's maximum
   * lifetime), for the report.
   */
  async judge(options: { windowMs: number; replacement: string; context: Record<string, string> }): Promise<{
    judgement: Judgement;
    worked: WhatWorked[];
  }> {
    try {
      if (!this.seen) await this.observe();
      const { after, newSession } = this.seen!;
      const started = Date.now();
      let pooled = await pooledSessions(this.target, this.since);
      while (pooled.older > 0 && Date.now() - started < options.windowMs) {
        await new Promise((resolve) => setTimeout(resolve, 1_000));
        pooled = await pooledSessions(this.target, this.since);
      }
      const waited = formatMs(Date.now() - started);
      const change = this.changes[0]!;
      const name = change.name;
      const { takesEffect, why } = whenItApplies(change.scope, options.context[name] ?? 'user');
      const worked: WhatWorked[] = [
        {
          kind: 'setting',
          name,
          value: change.value ?? 'reset',
          takesEffect: takesEffect === 'this-session' || takesEffect === 'never' ? 'restart' : takesEffect,
          how: `${why}; the backend's connections get it when they are replaced (${options.replacement}) or the backend restarts`,
        },
      ];
      const was = this.before[name];
      if (newSession[name] === was)
        return {
          judgement: {
            rule: 'effect',
            status: 'inaccurate',
            observed: `it changes nothing the application sees: a new session as ${this.target.appUser} still has ${name} = ${was} (${why})`,
          },
          worked,
        };
      if (after[name] !== was)
        return {
          judgement: {
            rule: 'effect',
            status: 'ok',
            observed: `it reached sessions already open: one opened before it has ${name} = ${after[name]} after it (was ${was}), as a new one does`,
          },
          worked,
        };
      if (pooled.older === 0)
        return {
          judgement: {
            rule: 'effect',
            status: 'ok',
            observed: `a session opened before it keeps ${name} = ${was}, but the backend's ${pooled.total} pooled connection(s) had all been replaced within ${waited} and new sessions get ${newSession[name]}`,
          },
          worked,
        };
      return {
        judgement: {
          rule: 'effect',
          status: 'inaccurate',
          observed: `only new sessions get ${name} = ${newSession[name]}: a session opened before it still has ${was}, and ${pooled.older} of the backend's ${pooled.total} pooled connections (which serve users) still predated it ${waited} later (${why}); they get it only when replaced (${options.replacement}) or when the backend restarts`,
        },
        worked,
      };
    } finally {
      await this.session.end().catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    await this.session.end().catch(() => undefined);
  }
}
