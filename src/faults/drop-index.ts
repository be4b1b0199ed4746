import pg from 'pg';
import { z } from 'zod';
import { sleep } from '../core/wait.ts';
import { withDatabase } from '../stack/database-session.ts';
import { defineFaultKind } from './fault.ts';

/** `CREATE INDEX name ON …` from pg_indexes, built without blocking writers. */
export function concurrently(definition: string): string {
  return definition.replace(/^CREATE (UNIQUE )?INDEX /, 'CREATE $1INDEX CONCURRENTLY ');
}

/** The index as the catalog has it (undefined: there is none), and whether a build of it is under way. */
async function indexState(
  client: pg.Client,
  name: string,
): Promise<{ valid: boolean; building: boolean } | undefined> {
  const { rows } = await client.query<{ valid: boolean; building: boolean }>(
    `SELECT i.indisvalid AS valid,
            EXISTS (SELECT 1 FROM pg_stat_progress_create_index p WHERE p.index_relid = c.oid) AS building
       FROM pg_class c JOIN pg_index i ON i.indexrelid = c.oid WHERE c.relname = $1`,
    [name],
  );
  return rows[0];
}

/** How often the restore looks whether a build of the index under way has finished. */
const BUILD_POLL_MS = 200;

/**
 * Recreates the index from its saved definition unless a valid one exists (an invalid one is replaced).
 * A concurrent build of it still under way (the remedy's, abandoned by an abort, or a person's) is
 * waited for, not dropped: dropping waits for it anyway, then the index would be built a second time.
 */
export async function restoreIndex(url: string, name: string, definition: string): Promise<void> {
  await withDatabase(url, async (client) => {
    let index = await indexState(client, name);
    while (index?.building && !index.valid) {
      await sleep(BUILD_POLL_MS);
      index = await indexState(client, name);
    }
    if (index?.valid) return;
    if (index) await client.query(`DROP INDEX CONCURRENTLY IF EXISTS ${pg.escapeIdentifier(name)}`);
    await client.query(concurrently(definition));
  });
}

/** A missing index (runbook 3): the index really goes, so the query it served really scans the table. */
export const dropIndex = defineFaultKind({
  kind: 'drop-index',
  params: z.object({ index: z.string().regex(/^[a-z_][a-z0-9_]*$/, 'expected an index name') }).strict(),
  requires: ['database-superuser'],
  describe: ({ index }) => `drop index ${index}`,
  async inject({ index }, { stack, note, evidence }, registerUndo) {
    const url = stack.endpoints.database.primaryAdminUrl;
    const definition = await withDatabase(url, async (client) => {
      const { rows } = await client.query<{ indexdef: string }>(
        'SELECT indexdef FROM pg_indexes WHERE indexname = $1',
        [index],
      );
      return rows[0]?.indexdef;
    });
    if (!definition) throw new Error(`index ${index} does not exist, so it cannot be dropped`);
    await registerUndo(
      () => restoreIndex(url, index, definition),
      { index, definition },
      () =>
        withDatabase(url, async (client) => {
          const state = await indexState(client, index);
          return state?.valid ? undefined : `index ${index} is ${state ? 'invalid' : 'missing'}`;
        }),
    );
    note(`saved the definition: ${definition}`);
    await withDatabase(url, (client) =>
      client.query(`DROP INDEX CONCURRENTLY ${pg.escapeIdentifier(index)}`),
    );
    const table = /ON (?:ONLY )?(?:\w+\.)?(\w+)/.exec(definition)?.[1] ?? 'the table';
    // What shows it: a sequential scan in a plan, or the queries the index served (on its leading
    // column) still running, slow, in pg_stat_activity.
    const leading = /\(\s*"?(\w+)/.exec(definition)?.[1] ?? 'id';
    evidence?.(
      [
        `Seq Scan on ${table}`,
        new RegExp(`\\bFROM\\s+${table}\\b[^;]*\\bWHERE\\b[^;]*\\b${leading}\\b`, 'i'),
      ],
      `a sequential scan of ${table}, or the slow queries on ${table} by ${leading} (index ${index} is gone)`,
    );
  },
});
