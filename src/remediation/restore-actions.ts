import pg from 'pg';
import { z } from 'zod';
import { databaseClient } from '../stack/database-session.ts';
import { defineAction } from './action.ts';

/** Tables restored in this order (parents first), each with its primary key. */
const TABLES = [
  { table: 'conversations', key: ['id'] },
  { table: 'conversation_participants', key: ['conversation_id', 'user_id'] },
  { table: 'messages', key: ['id'] },
] as const;

/** Messages are compared in id ranges of this size; only ranges whose counts or sums differ are read. */
const BUCKET = 20_000;

async function connect(url: string): Promise<pg.Client> {
  const client = databaseClient({ connectionString: url });
  await client.connect();
  return client;
}

/** Keys present in the copy but not in production, for one table. */
async function missingKeys(copy: pg.Client, live: pg.Client, table: string, key: readonly string[]) {
  const keyText = key.map((column) => `${pg.escapeIdentifier(column)}::text`).join(` || '|' || `);
  if (key.length === 1 && key[0] === 'id' && table === 'messages') {
    // A million rows: compare per id range first.
    const summary = `SELECT id / ${BUCKET} AS bucket, count(*)::text || ':' || sum(id)::text AS digest FROM messages GROUP BY 1`;
    const [inCopy, inLive] = await Promise.all([copy.query(summary), live.query(summary)]);
    const live_ = new Map(inLive.rows.map((row) => [String(row.bucket), row.digest as string]));
    const differing = inCopy.rows
      .filter((row) => live_.get(String(row.bucket)) !== row.digest)
      .map((row) => Number(row.bucket));
    const missing: string[] = [];
    for (const bucket of differing) {
      const range = [bucket * BUCKET, (bucket + 1) * BUCKET];
      const sql = 'SELECT id::text AS k FROM messages WHERE id >= $1 AND id < $2';
      const [a, b] = await Promise.all([copy.query(sql, range), live.query(sql, range)]);
      const present = new Set(b.rows.map((row) => row.k as string));
      missing.push(...a.rows.map((row) => row.k as string).filter((k) => !present.has(k)));
    }
    return missing;
  }
  const sql = `SELECT ${keyText} AS k FROM ${pg.escapeIdentifier(table)}`;
  const [a, b] = await Promise.all([copy.query(sql), live.query(sql)]);
  const present = new Set(b.rows.map((row) => row.k as string));
  return a.rows.map((row) => row.k as string).filter((k) => !present.has(k));
}

/**
 * Runbook 6, scenario B: restore a copy of the database as of just before the damage (point in time,
 * from the base backup and the WAL archive), compare it with production and insert the rows that are
 * missing. Rows written since stay as they are; nothing is overwritten.
 */
export const restoreMissingRows = defineAction({
  action: 'restore-missing-rows',
  looksLike: /\brestore\b.*point-in-time|point-in-time.*\brestore\b/i,
  params: z
    .object({
      /** How long before the damage began to restore to (real seconds; the WAL makes it exact). */
      marginSeconds: z.number().min(0).default(0),
    })
    .strict(),
  requires: ['point-in-time-restore', 'database-superuser'],
  describe: () => 'restore a point-in-time copy from before the damage and insert the missing rows',
  async prepare(_, { stack }) {
    const backup = await stack.database.takeBaseBackup();
    return `scheduled base backup ${backup.id} taken at ${backup.takenAt.toISOString()}`;
  },
  async run({ marginSeconds }, { stack, incident }) {
    if (!incident) throw new Error('the time the damage began is unknown: nothing to restore to');
    const target = new Date(incident.faultStartedAt - marginSeconds * 1000);
    const restored = await stack.database.restoreToPointInTime(target);
    const copy = await connect(restored.url);
    const live = await connect(stack.database.adminUrl());
    try {
      const counts: string[] = [];
      await live.query('BEGIN');
      for (const { table, key } of TABLES) {
        const missing = await missingKeys(copy, live, table, key);
        const keyText = key.map((column) => `${pg.escapeIdentifier(column)}::text`).join(` || '|' || `);
        for (let i = 0; i < missing.length; i += 5_000) {
          // The messages key is compared as a bigint, so the lookup uses the primary key index.
          const where = table === 'messages' ? 'id = ANY($1::bigint[])' : `${keyText} = ANY($1)`;
          const { rows } = await copy.query(
            `SELECT coalesce(json_agg(t), '[]') AS rows FROM ${pg.escapeIdentifier(table)} t WHERE ${where}`,
            [missing.slice(i, i + 5_000)],
          );
          await live.query(
            `INSERT INTO ${pg.escapeIdentifier(table)}
             SELECT * FROM json_populate_recordset(null::${pg.escapeIdentifier(table)}, $1) ON CONFLICT DO NOTHING`,
            [JSON.stringify(rows[0].rows)],
          );
        }
        counts.push(`${missing.length} ${table}`);
      }
      await live.query('COMMIT');
      return `copy restored to ${target.toISOString()}; inserted ${counts.join(', ')}`;
    } catch (error) {
      await live.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      await Promise.all([copy.end(), live.end()]);
      await restored.close();
    }
  },
});
