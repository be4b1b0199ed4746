import { afterAll, beforeAll, expect, it } from 'vitest';
import { restoreIndex } from '../../src/faults/drop-index.ts';
import { databaseClient } from '../../src/stack/database-session.ts';
import { createTestDatabase, type TestDatabase } from '../support/databases.ts';

let db: TestDatabase;
const DEFINITION = 'CREATE INDEX restore_probe_idx ON public.restore_probe USING btree (n)';

beforeAll(async () => {
  db = await createTestDatabase();
  await db.sql('CREATE TABLE restore_probe (n int)');
  await db.sql('INSERT INTO restore_probe SELECT generate_series(1, 10000)');
});
afterAll(() => db.drop());

const indexOid = async () =>
  (await db.sql<{ oid: number }>(`SELECT 'restore_probe_idx'::regclass::oid AS oid`)).rows[0]!.oid;

// An abort abandons the remedy's CREATE INDEX CONCURRENTLY, not the build; the fault's undo then
// finds the index there but not yet valid. It must wait for that build, not drop it and build again
// (missing-index's Ctrl-C in the remedy took 26 s to revert, two builds under load).
it('waits for a concurrent build of the index under way instead of dropping it and building again', async () => {
  // An open snapshot holds the build in its last wait, invalid and in progress, for as long as needed.
  const holder = databaseClient({ connectionString: db.url });
  const builder = databaseClient({ connectionString: db.url });
  await Promise.all([holder.connect(), builder.connect()]);
  try {
    await holder.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
    await holder.query('SELECT count(*) FROM restore_probe');
    const build = builder.query(DEFINITION.replace('CREATE INDEX', 'CREATE INDEX CONCURRENTLY'));
    await expect
      .poll(
        async () =>
          (
            await db.sql(
              `SELECT 1 FROM pg_stat_progress_create_index p JOIN pg_class c ON c.oid = p.index_relid
                WHERE c.relname = 'restore_probe_idx'`,
            )
          ).rowCount,
        { timeout: 10_000 },
      )
      .toBe(1);
    const building = await indexOid();

    let restored = false;
    const restore = restoreIndex(db.url, 'restore_probe_idx', DEFINITION).then(() => {
      restored = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(restored).toBe(false);
    await holder.query('COMMIT');
    await build;
    await restore;

    const { rows } = await db.sql<{ valid: boolean }>(
      `SELECT indisvalid AS valid FROM pg_index WHERE indexrelid = 'restore_probe_idx'::regclass`,
    );
    expect(rows[0]!.valid).toBe(true);
    expect(await indexOid()).toBe(building);
  } finally {
    await Promise.all([holder.end(), builder.end()]);
  }
});

it('replaces an invalid index no build is working on', async () => {
  await db.sql('DROP INDEX IF EXISTS restore_probe_idx');
  await db.sql(DEFINITION);
  await db.sql(`UPDATE pg_index SET indisvalid = false WHERE indexrelid = 'restore_probe_idx'::regclass`);
  const invalid = await indexOid();
  await restoreIndex(db.url, 'restore_probe_idx', DEFINITION);
  const { rows } = await db.sql<{ valid: boolean }>(
    `SELECT indisvalid AS valid FROM pg_index WHERE indexrelid = 'restore_probe_idx'::regclass`,
  );
  expect(rows[0]!.valid).toBe(true);
  expect(await indexOid()).not.toBe(invalid);
});
