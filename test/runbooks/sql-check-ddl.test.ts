import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  loadSqlParser,
  mergeSchemas,
  postgresCatalog,
  type SqlSchema,
  SqlSession,
  schemaFromSql,
} from '../../src/runbooks/sql-check/index.ts';
import { createTestDatabase, type TestDatabase } from '../support/databases.ts';
import { runOnServer } from './server-sql.ts';

/**
 * Every DDL branch the checker keeps (src/runbooks/sql-check/ddl.ts, alter-table.ts, sequences.ts),
 * judged against PostgreSQL itself: each case runs on the test server (in a transaction that is rolled
 * back) and through the checker, and the two must agree. Either both accept it, or the checker's one
 * finding names what the server's error names, on the line the server gives when it gives one.
 */
interface Case {
  sql: string;
  /** The name the error is about and its line; absent when PostgreSQL accepts the SQL. */
  error?: { name: string; line: number };
  /** VACUUM and ANALYZE of columns cannot run inside a transaction block. */
  transaction?: false;
}

const CASES: Record<string, Record<string, Case>> = {
  'CREATE TABLE': {
    'its columns (and system columns) are known': {
      sql: 'CREATE TEMP TABLE notes (id bigint, body text);\nSELECT id, body, ctid FROM notes;',
    },
    'a column it lacks is not': {
      sql: 'CREATE TEMP TABLE notes (id bigint);\nSELECT body FROM notes;',
      error: { name: 'body', line: 2 },
    },
    'IF NOT EXISTS leaves an existing table as it was': {
      sql: 'CREATE TABLE IF NOT EXISTS messages (x int);\nSELECT x FROM messages;',
      error: { name: 'x', line: 2 },
    },
    'LIKE copies the columns': {
      sql: 'CREATE TEMP TABLE messages_copy (LIKE messages INCLUDING ALL, note text);\nSELECT message_id, note FROM messages_copy;',
    },
    'LIKE of a table that does not exist': {
      sql: 'CREATE TEMP TABLE copy (LIKE mesages);',
      error: { name: 'mesages', line: 1 },
    },
    'INHERITS: the parent’s columns are not worked out, so any column is accepted': {
      sql: 'CREATE TEMP TABLE archived (archived_at timestamptz) INHERITS (messages);\nSELECT content, archived_at FROM archived;',
    },
    'CREATE FOREIGN TABLE is a table too': {
      sql: [
        'CREATE FOREIGN DATA WRAPPER nothing;',
        'CREATE SERVER elsewhere FOREIGN DATA WRAPPER nothing;',
        'CREATE FOREIGN TABLE remote_events (id int, kind text) SERVER elsewhere;',
        'CREATE VIEW remote_kinds AS SELECT kind FROM remote_events;',
        'CREATE VIEW remote_names AS SELECT name FROM remote_events;',
      ].join('\n'),
      error: { name: 'name', line: 5 },
    },
  },
  'CREATE TABLE AS, SELECT INTO, CREATE MATERIALIZED VIEW': {
    'the query’s output columns, aliases included': {
      sql: 'CREATE TEMP TABLE recent AS SELECT id, created_at AS at FROM messages;\nSELECT id, at FROM recent;',
    },
    'not the input columns': {
      sql: 'CREATE TEMP TABLE recent AS SELECT id, created_at AS at FROM messages;\nSELECT created_at FROM recent;',
      error: { name: 'created_at', line: 2 },
    },
    'SELECT INTO': {
      sql: 'SELECT id, content INTO TEMP backup FROM messages;\nSELECT content FROM backup;',
    },
    'a materialized view with column names': {
      sql: "CREATE MATERIALIZED VIEW hourly (hour, n) AS\n  SELECT date_trunc('hour', created_at), count(*) FROM messages GROUP BY 1;\nSELECT hour, n FROM hourly;",
    },
  },
  'CREATE VIEW': {
    'its output columns': {
      sql: 'CREATE TEMP VIEW active AS SELECT pid, state FROM pg_stat_activity;\nSELECT pid, state FROM active;',
    },
    'not others': {
      sql: 'CREATE TEMP VIEW active AS SELECT pid, state FROM pg_stat_activity;\nSELECT query FROM active;',
      error: { name: 'query', line: 2 },
    },
    'a wrong column in its query': {
      sql: 'CREATE TEMP VIEW v AS SELECT mesage_id FROM messages;',
      error: { name: 'mesage_id', line: 1 },
    },
  },
  'CREATE SEQUENCE': {
    'a sequence’s columns': { sql: 'CREATE SEQUENCE s;\nSELECT last_value, log_cnt, is_called FROM s;' },
    'not others': { sql: 'CREATE SEQUENCE s;\nSELECT curval FROM s;', error: { name: 'curval', line: 2 } },
  },
  'CREATE INDEX': {
    'columns, expressions, a predicate': {
      sql: "CREATE INDEX ON messages (user_id, created_at DESC) WHERE content <> '';\nCREATE INDEX ON messages (lower(content));",
    },
    'a misspelt column': {
      sql: 'CREATE INDEX ON messages (create_at);',
      error: { name: 'create_at', line: 1 },
    },
    'a misspelt INCLUDE column': {
      sql: 'CREATE INDEX ON messages (user_id) INCLUDE (contnt);',
      error: { name: 'contnt', line: 1 },
    },
    'on a table created earlier in the block': {
      sql: 'CREATE TEMP TABLE t1 (a int);\nCREATE INDEX ON t1 (a);',
    },
  },
  'ALTER TABLE': {
    'ADD COLUMN, then use it (and its serial’s sequence)': {
      sql: 'ALTER TABLE messages ADD COLUMN edited_at timestamptz, ADD COLUMN revision serial;\nSELECT edited_at, revision FROM messages;\nSELECT last_value FROM messages_revision_seq;',
    },
    'ALTER COLUMN of a column added earlier': {
      sql: 'ALTER TABLE messages ADD COLUMN edited_at timestamptz;\nALTER TABLE messages ALTER COLUMN edited_at SET DEFAULT now();',
    },
    'DROP COLUMN, then use it': {
      sql: 'ALTER TABLE messages DROP COLUMN content;\nSELECT content FROM messages;',
      error: { name: 'content', line: 2 },
    },
    'ADD CONSTRAINT UNIQUE of a misspelt column': {
      sql: 'ALTER TABLE messages ADD CONSTRAINT messages_message_id_key UNIQUE (mesage_id);',
      error: { name: 'mesage_id', line: 1 },
    },
    'ADD CONSTRAINT UNIQUE': {
      sql: 'ALTER TABLE messages ADD CONSTRAINT messages_message_id_key UNIQUE (message_id);',
    },
    'a FOREIGN KEY to a misspelt column': {
      sql: 'ALTER TABLE conversation_participants ADD FOREIGN KEY (conversation_id) REFERENCES conversations (idd);',
      error: { name: 'idd', line: 1 },
    },
    'a CHECK over a misspelt column': {
      sql: 'ALTER TABLE messages ADD CHECK (length(contnt) > 0);',
      error: { name: 'contnt', line: 1 },
    },
    'ALTER COLUMN TYPE … USING': {
      sql: 'ALTER TABLE messages ALTER COLUMN user_id TYPE varchar(64) USING trim(user_id);',
    },
    'ALTER COLUMN TYPE … USING a misspelt column': {
      sql: 'ALTER TABLE messages ALTER COLUMN user_id TYPE text USING trim(userid);',
      error: { name: 'userid', line: 1 },
    },
    'SET NOT NULL of a misspelt column': {
      sql: 'ALTER TABLE messages ALTER COLUMN contnt SET NOT NULL;',
      error: { name: 'contnt', line: 1 },
    },
    'IF EXISTS on a table that does not exist': {
      sql: 'ALTER TABLE IF EXISTS nothing_here ADD COLUMN x int;',
    },
  },
  RENAME: {
    'a table, then its new name': {
      sql: 'ALTER TABLE messages RENAME TO messages_old;\nSELECT id FROM messages_old;',
    },
    'a table, then its old name': {
      sql: 'ALTER TABLE messages RENAME TO messages_old;\nSELECT id FROM messages;',
      error: { name: 'messages', line: 2 },
    },
    'a column, then its new name': {
      sql: 'ALTER TABLE messages RENAME COLUMN content TO body;\nSELECT body FROM messages;',
    },
    'a misspelt column': {
      sql: 'ALTER TABLE messages RENAME COLUMN contnt TO body;',
      error: { name: 'contnt', line: 1 },
    },
  },
  DROP: {
    'IF EXISTS of nothing': {
      sql: 'DROP TABLE IF EXISTS nothing_here;\nDROP VIEW IF EXISTS nothing_either;',
    },
    'of nothing': { sql: 'DROP TABLE nothing_here;', error: { name: 'nothing_here', line: 1 } },
    'a view and a sequence made in the block': {
      sql: 'CREATE TEMP VIEW v AS SELECT 1 AS one;\nCREATE SEQUENCE s;\nDROP VIEW v;\nDROP SEQUENCE s;',
    },
  },
  'LOCK, TRUNCATE, REINDEX': {
    'existing tables': {
      sql: 'LOCK TABLE messages IN SHARE MODE;\nTRUNCATE blocked_ips;\nREINDEX TABLE feature_flags;',
    },
    'LOCK of a misspelt table': { sql: 'LOCK TABLE mesages;', error: { name: 'mesages', line: 1 } },
    'TRUNCATE of a misspelt table': { sql: 'TRUNCATE blocked_ip;', error: { name: 'blocked_ip', line: 1 } },
    'REINDEX of a misspelt table': { sql: 'REINDEX TABLE mesages;', error: { name: 'mesages', line: 1 } },
  },
  'VACUUM, ANALYZE': {
    'of columns': { sql: 'VACUUM (ANALYZE) messages (user_id, created_at);', transaction: false },
    'of a misspelt column': {
      sql: 'ANALYZE messages (create_at);',
      error: { name: 'create_at', line: 1 },
      transaction: false,
    },
  },
  COPY: {
    'a query and a table’s columns': {
      sql: "COPY (SELECT id FROM messages LIMIT 1) TO '/dev/null';\nCOPY messages (id, content) TO '/dev/null';",
    },
    'a misspelt column': {
      sql: "COPY messages (id, contnt) TO '/dev/null';",
      error: { name: 'contnt', line: 1 },
    },
    'a misspelt column in the query': {
      sql: "COPY (SELECT mesage_id FROM messages) TO '/dev/null';",
      error: { name: 'mesage_id', line: 1 },
    },
  },
  'what the checker cannot follow: it then stops calling tables missing': {
    'a table made by a DO block': {
      sql: "DO $$ BEGIN EXECUTE 'CREATE TEMP TABLE made_in_do (a int)'; END $$;\nSELECT a FROM made_in_do;",
    },
    'another search_path': {
      sql: 'CREATE SCHEMA ops;\nCREATE TABLE ops.jobs (id int);\nSET search_path = ops, public;\nSELECT id FROM jobs;',
    },
  },
};

let schema: SqlSchema;
let db: TestDatabase;

beforeAll(async () => {
  [db] = await Promise.all([createTestDatabase(), loadSqlParser()]);
  schema = mergeSchemas(
    schemaFromSql(
      await readFile(new URL('../../fixtures/chat-backend/db/schema.sql', import.meta.url), 'utf8'),
    ),
    postgresCatalog(),
  );
});

afterAll(async () => {
  await db?.drop();
});

describe.each(Object.entries(CASES))('%s', (_branch, cases) => {
  it.each(Object.entries(cases))('%s', async (_name, { sql, error, transaction }) => {
    const findings = new SqlSession(schema).check(sql).findings;
    const server = await runOnServer(db.url, sql, { transaction: transaction ?? true });
    if (!error) {
      expect(findings).toEqual([]);
      expect(server).toEqual({ ok: true });
      return;
    }
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({
      line: error.line,
      message: expect.stringContaining(`"${error.name}"`),
    });
    expect(server).toMatchObject({ ok: false, message: expect.stringContaining(error.name) });
    if (server.ok === false && server.line !== undefined) expect(server.line).toBe(error.line);
  });
});
