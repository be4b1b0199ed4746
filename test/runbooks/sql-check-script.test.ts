import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  checkSql,
  loadSqlParser,
  mergeSchemas,
  postgresCatalog,
  type SqlSchema,
  SqlSession,
  schemaFromSql,
  splitSqlScript,
} from '../../src/runbooks/sql-check/index.ts';
import { createTestDatabase, type TestDatabase } from '../support/databases.ts';
import { runOnServer } from './server-sql.ts';

/**
 * Issue 20, "No 'broken' that PostgreSQL would accept": each case is SQL that PostgreSQL runs (checked
 * here against the test server) and that the checker once called broken, because it cut statements at
 * lines ending in ";", stripped " --" inside strings, forgot a table made earlier in the same block,
 * knew no sequences or extension views, or read psql's meta-commands as SQL.
 */
const SCHEMA_SQL = new URL('../../fixtures/chat-backend/db/schema.sql', import.meta.url);

let schema: SqlSchema;
let db: TestDatabase;

beforeAll(async () => {
  [db] = await Promise.all([createTestDatabase(), loadSqlParser()]);
  schema = mergeSchemas(schemaFromSql(await readFile(SCHEMA_SQL, 'utf8')), postgresCatalog());
  // The extension views runbooks query exist once the extension is created (as on a real server).
  await db.sql('CREATE EXTENSION pg_stat_statements; CREATE EXTENSION pg_buffercache');
});

afterAll(async () => {
  await db?.drop();
});

/** The checker finds nothing, and PostgreSQL runs it (`server`: what psql would send, if different). */
async function expectAccepted(sql: string, server = sql): Promise<void> {
  expect(checkSql(sql, schema).findings).toEqual([]);
  expect(await runOnServer(db.url, server)).toEqual({ ok: true });
}

describe('statements are split as psql splits them', () => {
  it('keeps a dollar-quoted function body whole', async () => {
    const sql = [
      'CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$',
      'BEGIN',
      '  RETURN 1;',
      'END $$;',
      'SELECT f();',
    ].join('\n');
    await expectAccepted(sql);
    expect(splitSqlScript(sql).map((part) => [part.kind, part.line, part.endLine])).toEqual([
      ['statement', 1, 4],
      ['statement', 5, 5],
    ]);
  });

  it('keeps a string with a ";" at a line end whole', async () => {
    const sql = "SELECT 'first;\nsecond' AS x;";
    await expectAccepted(sql);
    expect(splitSqlScript(sql)).toEqual([{ kind: 'statement', text: sql, line: 1, endLine: 2 }]);
  });

  it('ignores ";" in block comments, and in parentheses and BEGIN ATOMIC bodies as psql does', async () => {
    await expectAccepted('/* first;\n   second; */ SELECT 1;\nSELECT 2 /* ; */;');
    const atomic = [
      'CREATE FUNCTION g() RETURNS int LANGUAGE sql',
      'BEGIN ATOMIC',
      '  SELECT 1;',
      '  SELECT 2;',
      'END;',
      'SELECT g();',
    ].join('\n');
    await expectAccepted(atomic);
    expect(splitSqlScript(atomic).map((part) => part.line)).toEqual([1, 6]);
  });

  it('reads " --" inside a string literal as part of the string', async () => {
    await expectAccepted("SELECT pid, query FROM pg_stat_activity WHERE query LIKE '% -- tag%';");
  });

  it('skips COPY … FROM STDIN data up to "\\."', () => {
    const sql = 'COPY blocked_ips (ip, reason) FROM STDIN;\n10.0.0.1\tbrute force; again\n\\.\nSELECT 1;';
    const check = checkSql(sql, schema);
    expect(check).toMatchObject({ statements: 2, findings: [] });
  });

  it('gives each finding the line PostgreSQL gives, with comment lines inside the statement', async () => {
    const sql = [
      '-- Messages of the last hour',
      'SELECT message_id,',
      '  -- the author',
      '  user_id,',
      '  /* when */',
      '  create_at',
      'FROM messages;',
    ].join('\n');
    const [finding] = checkSql(sql, schema).findings;
    const server = await runOnServer(db.url, sql);
    expect(server).toMatchObject({ ok: false, message: 'column "create_at" does not exist' });
    expect(finding).toMatchObject({ kind: 'unknown-column', line: 6, column: 3 });
    expect(server).toMatchObject({ line: finding!.line, column: finding!.column });
  });

  it('reads CRLF line endings like LF', async () => {
    const lf = 'SELECT 1;\n\nSELECT user_id,\n  bogus\nFROM messages;';
    const crlf = lf.replaceAll('\n', '\r\n');
    expect(checkSql(crlf, schema).findings).toEqual(checkSql(lf, schema).findings);
    expect(checkSql(crlf, schema).findings).toMatchObject([{ line: 4, column: 3 }]);
    expect(await runOnServer(db.url, crlf)).toMatchObject({ ok: false, line: 4, column: 3 });
  });
});

describe('a block’s schema changes apply to its later statements', () => {
  it('knows a table created earlier in the same text', async () => {
    await expectAccepted('CREATE TEMP TABLE t1 (a int);\nSELECT a FROM t1;');
  });

  it('knows it in the next step of the same block (a session), and not in another block', async () => {
    const steps = [
      'CREATE TEMP TABLE t1 (a int);',
      'ALTER TABLE t1 ADD COLUMN b text;',
      'SELECT a, b FROM t1;',
    ];
    const session = new SqlSession(schema);
    expect(steps.map((step) => session.check(step).findings)).toEqual([[], [], []]);
    expect(await runOnServer(db.url, steps.join('\n'))).toEqual({ ok: true });
    expect(checkSql('SELECT a FROM t1;', schema).findings).toMatchObject([
      { kind: 'unknown-table', message: 'relation "t1" does not exist' },
    ]);
  });

  it('forgets a dropped table, as the server does', async () => {
    const sql =
      'CREATE TEMP TABLE scratch AS SELECT id FROM messages;\nDROP TABLE scratch;\nSELECT id FROM scratch;';
    expect(checkSql(sql, schema).findings).toMatchObject([{ kind: 'unknown-table', line: 3, column: 16 }]);
    expect(await runOnServer(db.url, sql)).toMatchObject({
      ok: false,
      message: 'relation "scratch" does not exist',
      line: 3,
      column: 16,
    });
  });
});

describe('sequences and extension views', () => {
  it('knows the sequence behind each bigserial column', async () => {
    await expectAccepted(
      "SELECT last_value, is_called FROM messages_id_seq;\nSELECT nextval('messages_id_seq');",
    );
    await expectAccepted('SELECT last_value FROM conversation_reads_id_seq;');
  });

  it('knows sequences made in the block: CREATE SEQUENCE, serial and identity columns', async () => {
    await expectAccepted(
      [
        'CREATE SEQUENCE ticket_numbers;',
        'CREATE TEMP TABLE incidents (id serial PRIMARY KEY, n bigint GENERATED ALWAYS AS IDENTITY);',
        'SELECT last_value FROM ticket_numbers;',
        'SELECT last_value FROM incidents_id_seq;',
        'SELECT last_value FROM incidents_n_seq;',
      ].join('\n'),
    );
  });

  it('knows pg_stat_statements, pg_stat_statements_info, pg_buffercache and pg_buffercache_numa', async () => {
    const statements = [
      'SELECT query, calls, total_exec_time, mean_exec_time, rows\nFROM pg_stat_statements\nORDER BY total_exec_time DESC\nLIMIT 10;',
      'SELECT dealloc, stats_reset FROM pg_stat_statements_info;',
      'SELECT c.relname, count(*) AS buffers\nFROM pg_buffercache b JOIN pg_class c ON b.relfilenode = pg_relation_filenode(c.oid)\nGROUP BY c.relname;',
      'SELECT numa_node, count(*) FROM pg_buffercache_numa GROUP BY numa_node;',
    ];
    // EXPLAIN: the server resolves every name, without running pg_stat_statements (not preloaded here).
    await expectAccepted(
      statements.join('\n'),
      statements.map((statement) => `EXPLAIN ${statement}`).join('\n'),
    );
    expect(checkSql('SELECT total_time FROM pg_stat_statements;', schema).findings).toMatchObject([
      { kind: 'unknown-column' },
    ]);
  });

  it('stays sure of the schema after CREATE EXTENSION of a known extension, not of an unknown one', () => {
    const known = 'CREATE EXTENSION IF NOT EXISTS pg_stat_statements;\nSELECT * FROM pg_stat_statment;';
    expect(checkSql(known, schema).findings).toMatchObject([{ kind: 'unknown-table', line: 2 }]);
    const unknown =
      'CREATE EXTENSION IF NOT EXISTS timescaledb;\nSELECT * FROM timescaledb_information.jobs;';
    expect(checkSql(unknown, schema).findings).toEqual([]);
  });
});

describe('psql meta-commands and variables', () => {
  it('skips meta-commands with a note, ends a statement at \\gset and takes :var as a placeholder', async () => {
    const sql = [
      '\\x',
      '\\d messages',
      'SELECT max(id) AS last_id, now() AS checked_at FROM messages \\gset',
      "SELECT count(*) FROM messages WHERE id <= :last_id AND created_at < :'checked_at';",
      '\\set pid 12345',
      'SELECT pg_cancel_backend(:pid);',
      'SELECT * FROM :"table_name" LIMIT 1;',
    ].join('\n');
    const check = checkSql(sql, schema);
    // Not to be sent as it is (psql's syntax), though no statement in it would change anything but one.
    expect(check).toMatchObject({ statements: 4, readOnly: false, usesPsql: true, findings: [] });
    expect(checkSql('SELECT max(id) AS last_id FROM messages \\gset', schema)).toMatchObject({
      readOnly: false,
      statementsReadOnly: true,
      usesPsql: true,
    });
    expect(check.psqlCommands).toEqual([
      { text: '\\x', line: 1 },
      { text: '\\d messages', line: 2 },
      { text: '\\gset', line: 3 },
      { text: '\\set pid 12345', line: 5 },
    ]);
    // What psql sends once it has set the variables.
    const sent = [
      'SELECT max(id) AS last_id, now() AS checked_at FROM messages;',
      "SELECT count(*) FROM messages WHERE id <= 0 AND created_at < '2026-01-01';",
      'SELECT pg_cancel_backend(12345);',
      'SELECT * FROM "messages" LIMIT 1;',
    ].join('\n');
    expect(await runOnServer(db.url, sent)).toEqual({ ok: true });
  });

  it('still checks the SQL around them', () => {
    const sql = '\\timing on\nSELECT create_at FROM messages WHERE id = :id;\n\\watch 5';
    expect(checkSql(sql, schema).findings).toMatchObject([
      { kind: 'unknown-column', line: 2, column: 8, message: expect.stringMatching(/"create_at"/) },
    ]);
  });

  it('leaves array slices alone', async () => {
    await expectAccepted("SELECT (ARRAY[1, 2, 3])[1:2], ('{1,2,3}'::int[])[2:];");
  });
});

describe('found by running PostgreSQL’s regression suite through the checker and the server', () => {
  it('undoes schema changes on ROLLBACK and ROLLBACK TO a savepoint', async () => {
    const kept =
      'BEGIN;\nCREATE TEMP TABLE t (a int);\nSAVEPOINT s;\nDROP TABLE t;\nROLLBACK TO s;\nSELECT a FROM t;\nROLLBACK;';
    expect(checkSql(kept, schema).findings).toEqual([]);
    expect(await runOnServer(db.url, kept, { transaction: false })).toEqual({ ok: true });
    const gone = 'BEGIN;\nCREATE TABLE gone (a int);\nROLLBACK;\nSELECT a FROM gone;';
    expect(checkSql(gone, schema).findings).toMatchObject([{ kind: 'unknown-table', line: 4, column: 15 }]);
    expect(await runOnServer(db.url, gone, { transaction: false })).toMatchObject({
      ok: false,
      line: 4,
      column: 15,
    });
  });

  it('knows the columns SEARCH and CYCLE add to a recursive CTE', async () => {
    const recursive = 'WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM t WHERE n < 3)';
    await expectAccepted(
      [
        `${recursive} SEARCH DEPTH FIRST BY n SET ordercol SELECT n, ordercol FROM t;`,
        `${recursive} CYCLE n SET is_cycle USING path SELECT n, is_cycle, path FROM t;`,
      ].join('\n'),
    );
  });

  it('keeps a table of another schema apart from the one an unqualified name finds', async () => {
    await expectAccepted(
      [
        'CREATE SCHEMA elsewhere;',
        'CREATE TABLE elsewhere.messages (y int);',
        'SELECT message_id FROM messages;',
        'SELECT 1 FROM elsewhere.messages WHERE EXISTS (SELECT 1 FROM messages WHERE elsewhere.messages.y = messages.id);',
      ].join('\n'),
    );
  });

  it('takes ALTER TABLE … RENAME of an index (which the schema does not list) as fine', async () => {
    await expectAccepted(
      'CREATE INDEX messages_content_idx ON messages (content);\nALTER TABLE messages_content_idx RENAME TO messages_body_idx;',
    );
  });

  it('never changes a system catalog (the server refuses)', async () => {
    const sql = 'ALTER TABLE pg_class DROP COLUMN relname;\nSELECT relname FROM pg_class;';
    expect(checkSql(sql, schema).findings).toEqual([]);
    expect(await runOnServer(db.url, 'ALTER TABLE pg_class DROP COLUMN relname;')).toMatchObject({
      ok: false,
    });
    expect(await runOnServer(db.url, 'SELECT relname FROM pg_class;')).toEqual({ ok: true });
  });
});
