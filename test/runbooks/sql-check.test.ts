import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readPgCatalog } from '../../src/runbooks/generate-pg-catalog.ts';
import {
  checkSql,
  loadSqlParser,
  mergeSchemas,
  postgresCatalog,
  type SqlSchema,
  schemaFromSql,
} from '../../src/runbooks/sql-check/index.ts';
import { createTestDatabase, type TestDatabase } from '../support/databases.ts';

const SHARED = new URL('../../../shared/runbooks/incident-response-runbooks.md', import.meta.url);
const SCHEMA_SQL = new URL('../../fixtures/chat-backend/db/schema.sql', import.meta.url);

/** SQL copied verbatim from the shared runbook (lines joined so trailing spaces stay visible). */
const RUNBOOK_SQL = {
  longRunningQueries: [
    'SELECT pid, now() - query_start as duration, query ',
    'FROM pg_stat_activity ',
    "WHERE state = 'active' ",
    'ORDER BY duration DESC ',
    'LIMIT 10;',
  ].join('\n'),
  terminateBackend: 'SELECT pg_terminate_backend(12345);  -- Replace with actual PID',
  waitingLocks: 'SELECT * FROM pg_locks WHERE NOT granted;',
  databaseStats: "SELECT * FROM pg_stat_database WHERE datname = 'chatdb';",
  cacheHitRatio: [
    'SELECT ',
    '  sum(blks_hit) / (sum(blks_hit) + sum(blks_read)) AS cache_hit_ratio',
    'FROM pg_stat_database;',
  ].join('\n'),
  blockingQueries: [
    'SELECT ',
    '  blocked_locks.pid AS blocked_pid,',
    '  blocking_locks.pid AS blocking_pid,',
    '  blocked_activity.query AS blocked_query,',
    '  blocking_activity.query AS blocking_query',
    'FROM pg_locks blocked_locks',
    'JOIN pg_stat_activity blocked_activity ON blocked_activity.pid = blocked_locks.pid',
    'JOIN pg_locks blocking_locks ON blocking_locks.locktype = blocked_locks.locktype',
    'JOIN pg_stat_activity blocking_activity ON blocking_activity.pid = blocking_locks.pid',
    'WHERE NOT blocked_locks.granted;',
  ].join('\n'),
  connectionsByState: 'SELECT count(*), state FROM pg_stat_activity GROUP BY state;',
  cpuIntensive: [
    'SELECT pid, query, state, now() - query_start as duration',
    'FROM pg_stat_activity',
    "WHERE state != 'idle'",
    'ORDER BY query_start ASC;',
  ].join('\n'),
  missingIndexExample: "SELECT * FROM messages WHERE user_id = 'user-123' ORDER BY created_at DESC;",
  duplicateMessages: [
    'SELECT message_id, COUNT(*) ',
    'FROM messages ',
    'GROUP BY message_id ',
    'HAVING COUNT(*) > 1;',
  ].join('\n'),
  orphanedMessages: [
    'SELECT m.message_id ',
    'FROM messages m ',
    'LEFT JOIN conversations c ON m.conversation_id = c.id ',
    'WHERE c.id IS NULL;',
  ].join('\n'),
  deleteDuplicates: [
    'DELETE FROM messages',
    'WHERE id IN (',
    '  SELECT id FROM (',
    '    SELECT id, ROW_NUMBER() OVER (PARTITION BY message_id ORDER BY created_at ASC) AS rn',
    '    FROM messages',
    '  ) t',
    '  WHERE t.rn > 1',
    ');',
  ].join('\n'),
  statementTimeout: "ALTER DATABASE chatdb SET statement_timeout = '30s';",
} as const;

const READ_ONLY: (keyof typeof RUNBOOK_SQL)[] = [
  'longRunningQueries',
  'waitingLocks',
  'databaseStats',
  'cacheHitRatio',
  'blockingQueries',
  'connectionsByState',
  'cpuIntensive',
  'missingIndexExample',
  'duplicateMessages',
  'orphanedMessages',
];

let runbookText: string;
let appSchema: SqlSchema;
let schema: SqlSchema;
let db: TestDatabase;

beforeAll(async () => {
  [runbookText, db] = await Promise.all([
    readFile(SHARED, 'utf8'),
    createTestDatabase(),
    loadSqlParser(),
  ]).then(([text, database]) => [text, database] as const);
  appSchema = schemaFromSql(await readFile(SCHEMA_SQL, 'utf8'));
  schema = mergeSchemas(appSchema, postgresCatalog());
});

afterAll(async () => {
  await db?.drop();
});

/** The error PostgreSQL itself gives for `EXPLAIN <sql>`, with its position as line/column of `sql`. */
async function serverError(sql: string): Promise<{ message: string; line: number; column: number }> {
  const prefix = 'EXPLAIN ';
  try {
    await db.sql(prefix + sql);
  } catch (error) {
    const { message, position } = error as { message: string; position?: string };
    const before = [...sql].slice(0, Number(position) - 1 - prefix.length).join('');
    const lines = before.split('\n');
    return { message, line: lines.length, column: [...lines[lines.length - 1]!].length + 1 };
  }
  throw new Error(`PostgreSQL accepted: ${sql}`);
}

describe('the shared runbook’s SQL', () => {
  it('is quoted here verbatim', () => {
    for (const sql of Object.values(RUNBOOK_SQL)) expect(runbookText).toContain(sql);
  });

  it.each(Object.entries(RUNBOOK_SQL))('%s has no findings', (_name, sql) => {
    const check = checkSql(sql, schema);
    expect(check.findings).toEqual([]);
    expect(check.statements).toBe(1);
  });

  it('classifies read-only diagnostics apart from remedies', () => {
    for (const [name, sql] of Object.entries(RUNBOOK_SQL)) {
      const expected = READ_ONLY.includes(name as keyof typeof RUNBOOK_SQL);
      expect({ name, readOnly: checkSql(sql, schema).readOnly }).toEqual({ name, readOnly: expected });
    }
  });

  it('lists the relations each statement references', () => {
    expect(checkSql(RUNBOOK_SQL.blockingQueries, schema).tables).toEqual(['pg_locks', 'pg_stat_activity']);
    expect(checkSql(RUNBOOK_SQL.orphanedMessages, schema).tables).toEqual(['messages', 'conversations']);
    expect(checkSql(RUNBOOK_SQL.deleteDuplicates, schema).tables).toEqual(['messages']);
    expect(checkSql(RUNBOOK_SQL.statementTimeout, schema).tables).toEqual([]);
  });

  it('is accepted by PostgreSQL too (EXPLAIN against the fixture schema)', async () => {
    for (const [name, sql] of Object.entries(RUNBOOK_SQL)) {
      if (name === 'statementTimeout') continue; // names the production database
      await expect(db.sql(`EXPLAIN ${sql}`), name).resolves.toBeDefined();
    }
  });

  it('checks whole code blocks: comments, several statements, DDL in a transaction', () => {
    const assessDamage = [
      '-- Check for duplicate messages',
      RUNBOOK_SQL.duplicateMessages,
      '',
      "-- Check for orphaned messages (conversation doesn't exist)",
      RUNBOOK_SQL.orphanedMessages,
    ].join('\n');
    expect(runbookText).toContain(assessDamage);
    expect(checkSql(assessDamage, schema)).toEqual({
      statements: 2,
      readOnly: true,
      statementsReadOnly: true,
      usesPsql: false,
      findings: [],
      tables: ['messages', 'conversations'],
    });

    const createIndex = [
      '-- Create index (in transaction to avoid locking)',
      'BEGIN;',
      'CREATE INDEX CONCURRENTLY idx_messages_user_id_created_at ',
      '  ON messages(user_id, created_at DESC);',
      'COMMIT;',
      '',
      '-- Verify query now fast',
      'EXPLAIN ANALYZE ',
      "SELECT * FROM messages WHERE user_id = 'user-123' ORDER BY created_at DESC;",
    ].join('\n');
    expect(runbookText).toContain(createIndex);
    expect(checkSql(createIndex, schema)).toMatchObject({ statements: 4, readOnly: false, findings: [] });
  });

  it('reports the column name the runbook uses as a placeholder, as PostgreSQL does', async () => {
    const sql = 'SELECT pg_terminate_backend(blocking_pid);';
    expect(runbookText).toContain(sql);
    const [finding] = checkSql(sql, schema).findings;
    expect(finding).toMatchObject({ kind: 'unknown-column', line: 1, column: 29 });
    const server = await serverError(sql);
    expect(server.message).toBe('column "blocking_pid" does not exist');
    expect([finding!.line, finding!.column]).toEqual([server.line, server.column]);
  });
});

describe('planted defects', () => {
  it('a misspelt column, with a suggestion', async () => {
    const sql = 'SELECT mesage_id FROM messages';
    expect(checkSql(sql, schema).findings).toEqual([
      {
        kind: 'unknown-column',
        message: 'column "mesage_id" does not exist in messages (did you mean "message_id"?)',
        line: 1,
        column: 8,
      },
    ]);
    const server = await serverError(sql);
    expect(server).toMatchObject({ message: 'column "mesage_id" does not exist', line: 1, column: 8 });
  });

  it('an unknown table', async () => {
    const sql = "SELECT count(*)\nFROM mesages\nWHERE created_at > now() - interval '1 hour'";
    const check = checkSql(sql, schema);
    expect(check.findings).toEqual([
      {
        kind: 'unknown-table',
        message: 'relation "mesages" does not exist (did you mean "messages"?)',
        line: 2,
        column: 6,
      },
    ]);
    expect(check.tables).toEqual(['mesages']);
    expect(await serverError(sql)).toEqual({
      message: 'relation "mesages" does not exist',
      line: 2,
      column: 6,
    });
  });

  it('a syntax error, positioned on its line and column, like the server does', async () => {
    const sql = [
      'SELECT pid, now() - query_start AS duration, query',
      'FROM pg_stat_activity',
      "WHERE state = 'active'",
      '  AND pid = <pid>',
      'ORDER BY duration DESC;',
    ].join('\n');
    const check = checkSql(sql, schema);
    expect(check).toMatchObject({ statements: 1, readOnly: false });
    expect(check.findings).toEqual([
      { kind: 'syntax', message: 'syntax error at or near "<"', line: 4, column: 13 },
    ]);
    const server = await serverError(sql);
    expect(server).toEqual({ message: 'syntax error at or near "<"', line: 4, column: 13 });
  });

  it('an alias-qualified wrong column in a join', async () => {
    const sql = [
      'SELECT m.message_id, c.title',
      'FROM messages m',
      'JOIN conversations c ON c.id = m.conversation',
    ].join('\n');
    expect(checkSql(sql, schema).findings).toEqual([
      {
        kind: 'unknown-column',
        message: 'column "m.conversation" does not exist in messages AS m (did you mean "conversation_id"?)',
        line: 3,
        column: 32,
      },
    ]);
    expect(await serverError(sql)).toEqual({
      message: 'column m.conversation does not exist',
      line: 3,
      column: 32,
    });
  });

  it('no finding for an output alias in ORDER BY / GROUP BY, but one for an alias in WHERE', () => {
    const ordered =
      'SELECT pid, now() - query_start AS duration FROM pg_stat_activity ORDER BY duration DESC';
    expect(checkSql(ordered, schema).findings).toEqual([]);
    const grouped = "SELECT date_trunc('hour', created_at) AS hour, count(*) FROM messages GROUP BY hour";
    expect(checkSql(grouped, schema).findings).toEqual([]);
    const filtered = 'SELECT now() - query_start AS duration FROM pg_stat_activity WHERE duration > 5';
    expect(checkSql(filtered, schema).findings.map((f) => f.message)).toEqual([
      'column "duration" does not exist in pg_stat_activity',
    ]);
  });

  it('keeps checking the other statements of a block when one does not parse', () => {
    const sql = 'SELECT 1;\nSELECT <pid>;\nSELECT create_at FROM messages;';
    const check = checkSql(sql, schema);
    expect(check.statements).toBe(3);
    expect(check.findings).toEqual([
      { kind: 'syntax', message: 'syntax error at or near "<"', line: 2, column: 8 },
      {
        kind: 'unknown-column',
        message: 'column "create_at" does not exist in messages (did you mean "created_at"?)',
        line: 3,
        column: 8,
      },
    ]);
  });
});

describe('name resolution', () => {
  const findings = (sql: string) => checkSql(sql, schema).findings.map((f) => f.message);

  it('resolves CTEs, derived tables and correlated subqueries', () => {
    expect(
      findings(
        `WITH counts AS (SELECT conversation_id, count(*) AS n FROM messages GROUP BY conversation_id)
         SELECT c.title, counts.n, recent.last_at
         FROM conversations c
         JOIN counts ON counts.conversation_id = c.id
         JOIN (SELECT conversation_id AS cid, max(created_at) AS last_at FROM messages GROUP BY 1) recent
           ON recent.cid = c.id
         WHERE EXISTS (SELECT 1 FROM conversation_participants p WHERE p.conversation_id = c.id)`,
      ),
    ).toEqual([]);
    expect(
      findings('WITH counts AS (SELECT count(*) AS n FROM messages) SELECT counts.total FROM counts'),
    ).toEqual(['column "counts.total" does not exist in counts']);
    expect(findings('SELECT recent.created FROM (SELECT created_at FROM messages) recent')).toEqual([
      'column "recent.created" does not exist in subquery recent (did you mean "created_at"?)',
    ]);
    expect(
      findings('SELECT id FROM users u WHERE EXISTS (SELECT 1 FROM messages m WHERE m.user_id = u.idd)'),
    ).toEqual(['column "u.idd" does not exist in users AS u (did you mean "id"?)']);
  });

  it('stays silent where the columns cannot be known', () => {
    expect(findings('SELECT g.x FROM generate_series(1, 3) g')).toEqual([]);
    expect(findings('SELECT t.anything FROM (SELECT * FROM generate_series(1, 3)) t')).toEqual([]);
    expect(findings('SELECT table_name FROM information_schema.tables')).toEqual([]);
  });

  it('resolves schema-qualified names and system columns', () => {
    expect(findings('SELECT a.pid FROM pg_catalog.pg_stat_activity a')).toEqual([]);
    expect(findings('SELECT ctid, xmin, id FROM public.messages')).toEqual([]);
    expect(findings('SELECT * FROM public.mesages')).toEqual([
      'relation "public.mesages" does not exist (did you mean "messages"?)',
    ]);
  });

  it('checks UPDATE, INSERT, CREATE INDEX, ALTER TABLE and LOCK targets', () => {
    expect(findings("UPDATE messages SET contents = 'x' WHERE id = 1")).toEqual([
      'column "contents" does not exist in messages (did you mean "content"?)',
    ]);
    expect(
      findings(
        "INSERT INTO feature_flags (name, enabled) VALUES ('reads', false) ON CONFLICT (name) DO UPDATE SET enabled = excluded.enabled",
      ),
    ).toEqual([]);
    expect(findings("INSERT INTO feature_flags (name, enable) VALUES ('reads', false)")).toEqual([
      'column "enable" does not exist in feature_flags (did you mean "enabled"?)',
    ]);
    const index = checkSql('CREATE INDEX CONCURRENTLY idx ON messages (user_id, create_at DESC)', schema);
    expect(index.findings).toEqual([
      {
        kind: 'unknown-column',
        message: 'column "create_at" does not exist in messages (did you mean "created_at"?)',
        line: 1,
        column: 53,
      },
    ]);
    expect(
      findings('ALTER TABLE messages ADD CONSTRAINT messages_message_id_key UNIQUE (message_id)'),
    ).toEqual([]);
    expect(findings('ALTER TABLE messages ALTER COLUMN contnt SET NOT NULL')).toEqual([
      'column "contnt" does not exist in messages (did you mean "content"?)',
    ]);
    expect(
      findings('ALTER TABLE messages ADD COLUMN edited_at timestamptz; SELECT edited_at FROM messages'),
    ).toEqual([]);
    expect(findings('LOCK TABLE messages IN SHARE MODE; LOCK TABLE mesages')).toEqual([
      'relation "mesages" does not exist (did you mean "messages"?)',
    ]);
  });

  it('gives positions in characters for non-ASCII text', () => {
    expect(checkSql("SELECT 'é😀', bogus FROM users", schema).findings).toMatchObject([
      { line: 1, column: 14 },
    ]);
    expect(checkSql("SELECT 'é😀' <pid>", schema).findings).toMatchObject([
      { kind: 'syntax', line: 1, column: 17 },
    ]);
  });

  it('treats locking and data-modifying SELECTs as not read-only', () => {
    const readOnly = (sql: string) => checkSql(sql, schema).readOnly;
    expect(readOnly('SELECT id FROM messages FOR UPDATE')).toBe(false);
    expect(readOnly('WITH d AS (DELETE FROM messages RETURNING id) SELECT count(*) FROM d')).toBe(false);
    expect(readOnly('SELECT pg_cancel_backend(pid) FROM pg_stat_activity')).toBe(false);
    expect(readOnly('SELECT id INTO scratch FROM messages')).toBe(false);
    expect(readOnly('EXPLAIN SELECT * FROM messages')).toBe(true);
    expect(readOnly('SELECT 1; SELECT <pid>')).toBe(false);
    expect(readOnly('-- nothing to run')).toBe(false);
  });
});

describe('schemas', () => {
  it('loads the parser once however often it is asked', async () => {
    await Promise.all([loadSqlParser(), loadSqlParser()]);
    expect(checkSql('SELECT 1', schema)).toEqual({
      statements: 1,
      readOnly: true,
      statementsReadOnly: true,
      usesPsql: false,
      findings: [],
      tables: [],
    });
  });

  it('reads the application schema from the fixture DDL, with the sequences of its bigserial columns', async () => {
    expect([...appSchema.tables.keys()]).toEqual([
      'users',
      'conversations',
      'conversation_participants',
      'messages',
      'messages_id_seq',
      'conversation_reads',
      'conversation_reads_id_seq',
      'attachments',
      'feature_flags',
      'blocked_ips',
      'socket_io_attachments',
      'socket_io_attachments_id_seq',
    ]);
    // The same relations, with the same columns, as the server made from that DDL.
    const { rows } = await db.sql<{ relname: string; columns: string[] }>(
      `SELECT c.relname, array_agg(a.attname::text ORDER BY a.attnum) AS columns
       FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
       WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'S')
       GROUP BY c.relname`,
    );
    expect(Object.fromEntries(rows.map((row) => [row.relname, row.columns]))).toEqual(
      Object.fromEntries([...appSchema.tables].map(([name, columns]) => [name, [...columns]])),
    );
    expect([...appSchema.tables.get('messages')!]).toEqual([
      'id',
      'message_id',
      'conversation_id',
      'user_id',
      'content',
      'created_at',
    ]);
  });

  it('agrees with the server’s own catalog (pg_stat_activity’s columns, every pg_catalog relation, the extensions’ views)', async () => {
    const { rows } = await db.sql<{ attname: string }>(
      `SELECT attname FROM pg_attribute
       WHERE attrelid = 'pg_catalog.pg_stat_activity'::regclass AND attnum > 0 AND NOT attisdropped
       ORDER BY attnum`,
    );
    const catalog = postgresCatalog();
    expect([...catalog.tables.get('pg_stat_activity')!]).toEqual(rows.map((row) => row.attname));
    const live = await readPgCatalog(db.url);
    const extensionViews = Object.values(live.extensions).flatMap((owned) => Object.entries(owned));
    expect(extensionViews.map(([name]) => name).sort()).toEqual([
      'pg_buffercache',
      'pg_buffercache_numa',
      'pg_stat_statements',
      'pg_stat_statements_info',
    ]);
    expect(Object.fromEntries([...catalog.tables].map(([name, columns]) => [name, [...columns]]))).toEqual({
      ...live.relations,
      ...Object.fromEntries(extensionViews),
    });
  });
});
