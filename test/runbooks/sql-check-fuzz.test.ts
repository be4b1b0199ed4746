import { readFile } from 'node:fs/promises';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  checkSql,
  loadSqlParser,
  mergeSchemas,
  postgresCatalog,
  type SqlCheck,
  type SqlSchema,
  schemaFromSql,
  splitSqlScript,
} from '../../src/runbooks/sql-check/index.ts';
import { createTestDatabase, type TestDatabase } from '../support/databases.ts';
import { runOnServer } from './server-sql.ts';

/**
 * Issue 22: a statement the checker cannot handle is one finding with its line, and the rest of the
 * text is still checked; whatever the text, checkSql neither throws nor hangs. Issue 20: on SQL that
 * PostgreSQL accepts (generated here, and run on the test server), no finding at all.
 */
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

const PLANTED = 'SELECT create_at FROM messages;';
const plantedFinding = (line: number) => ({
  kind: 'unknown-column',
  message: 'column "create_at" does not exist in messages (did you mean "created_at"?)',
  line,
  column: 8,
});

/** Beyond the estimate, the parser overflowed: the estimate let a too-deep statement through. */
const reachedOverflow = (check: SqlCheck) =>
  check.findings.some((f) => f.kind === 'unchecked' && !f.message.includes('levels'));

const DEEP: Record<string, (n: number) => string> = {
  'a sum': (n) => `SELECT ${Array(n).fill('1').join(' + ')}`,
  casts: (n) => `SELECT 1${'::int'.repeat(n)}`,
  'function calls': (n) => `SELECT ${'abs('.repeat(n)}1${')'.repeat(n)}`,
  subqueries: (n) => `SELECT ${'(SELECT '.repeat(n)}1${')'.repeat(n)}`,
  CASEs: (n) => `SELECT ${'CASE WHEN true THEN '.repeat(n)}1${' END'.repeat(n)}`,
  NOTs: (n) => `SELECT ${'NOT '.repeat(n)}true`,
  joins: (n) =>
    `SELECT 1 FROM messages m0${Array.from({ length: n }, (_, i) => ` JOIN messages m${i + 1} ON true`).join('')}`,
};

describe('a statement too deep to check', () => {
  it.each([2_000, 20_000])(
    'is one finding at its line, and the next statement is still checked (%i terms)',
    (n) => {
      const sql = `SELECT 1;\n${DEEP['a sum']!(n)};\n${PLANTED}`;
      const check = checkSql(sql, schema);
      expect(check.statements).toBe(3);
      expect(check.findings).toEqual([
        {
          kind: 'unchecked',
          message: expect.stringMatching(
            /^not checked: the statement nests deeper than the checker can parse/,
          ),
          line: 2,
          column: 1,
        },
        plantedFinding(3),
      ]);
    },
  );

  it.each(Object.keys(DEEP))('%s: the same, and the parser is never reached (so never corrupted)', (kind) => {
    for (const n of [3_000, 12_000]) {
      const check = checkSql(`${DEEP[kind]!(n)};\n${PLANTED}`, schema);
      expect(check.findings.map((f) => [f.kind, f.line])).toEqual([
        ['unchecked', 1],
        ['unknown-column', 2],
      ]);
      expect(reachedOverflow(check)).toBe(false);
    }
  });

  it('a thousand terms are still checked in full', () => {
    const sql = `SELECT ${Array(1_000).fill('id').join(' + ')} + mesage_id FROM messages`;
    expect(checkSql(sql, schema).findings).toMatchObject([{ kind: 'unknown-column', line: 1 }]);
  });
});

// ---------------------------------------------------------------------------------------------
// Random SQL

const ODD = ['😀', 'é', '\u0301', '\u202e', '\u00a0', '\u2028', 'ß', '中文', '\ud83d'];
const chars = fc.oneof(fc.string({ unit: 'binary', maxLength: 10 }), fc.constantFrom(...ODD));
/** Text for inside literals and comments: anything but NUL (which no PostgreSQL string may hold). */
const content = chars.map((s) => s.replaceAll('\0', ''));
const blockComment = content
  .map((s) => `/*${s}*/`)
  .filter((c) => c.indexOf('*/') === c.length - 2 && c.lastIndexOf('/*') === 0);
const lineComment = content.filter((s) => !/[\n\r]/.test(s)).map((s) => `--${s}\n`);
const newline = fc.constantFrom('\n', '\r\n');
const gap = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(' ', '  ', '\t') },
  { weight: 1, arbitrary: newline },
  { weight: 1, arbitrary: blockComment.map((c) => ` ${c} `) },
  { weight: 1, arbitrary: lineComment.map((c) => ` ${c}`) },
);
const textLiteral = fc.oneof(
  content.map((s) => `'${s.replaceAll("'", "''")}'`),
  content.map((s) => `E'${s.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`),
  fc
    .tuple(fc.constantFrom('', 'x', 'body'), content)
    .filter(([tag, s]) => `${s}$${tag}$`.indexOf(`$${tag}$`) === s.length)
    .map(([tag, s]) => `$${tag}$${s}$${tag}$`),
);

/** Typed expressions over `messages` that PostgreSQL accepts (and cannot fail on when it folds constants). */
const { int, text, bool } = fc.letrec<{ int: string; text: string; bool: string }>((tie) => ({
  int: fc.oneof(
    { depthSize: 'small' },
    fc.integer({ min: 0, max: 99 }).map(String),
    fc.constantFrom('id', 'length(content)', '(SELECT count(*) FROM users)'),
    fc.tuple(tie('int'), gap, fc.constantFrom('+', '-'), gap, tie('int')).map((p) => `(${p.join('')})`),
    fc.tuple(tie('int'), gap).map(([a, g]) => `abs(${g}${a})`),
    fc
      .tuple(tie('bool'), tie('int'), tie('int'))
      .map(([c, a, b]) => `CASE WHEN ${c} THEN ${a} ELSE ${b} END`),
  ),
  text: fc.oneof(
    { depthSize: 'small' },
    textLiteral,
    fc.constantFrom('content', 'user_id', 'm.conversation_id'),
    fc.tuple(tie('text'), gap, tie('text')).map(([a, g, b]) => `${a}${g}||${g}${b}`),
    tie('text').map((a) => `lower(${a})`),
  ),
  bool: fc.oneof(
    { depthSize: 'small' },
    fc.constantFrom('true', 'content IS NOT NULL'),
    fc.tuple(tie('int'), fc.constantFrom('=', '<', '>='), tie('int')).map((p) => p.join(' ')),
    fc.tuple(tie('text'), tie('text')).map(([a, b]) => `${a} = ${b}`),
    tie('text').map((a) => `${a} LIKE '%x%'`),
    fc.tuple(tie('bool'), fc.constantFrom('AND', 'OR'), tie('bool')).map((p) => `(${p.join(' ')})`),
    tie('bool').map((b) => `NOT ${b}`),
  ),
}));

/** A SELECT PostgreSQL accepts: wide (many items) or deep (a long chain), odd text, comments, CRLF. */
const validSelect = fc
  .record({
    items: fc.array(fc.oneof(int, text, bool), { minLength: 1, maxLength: 6 }),
    chain: fc.integer({ min: 0, max: 400 }),
    where: bool,
    gaps: fc.array(gap, { minLength: 4, maxLength: 4 }),
  })
  .map(({ items, chain, where, gaps: [a, b, c, d] }) => {
    const long = chain > 0 ? [`${Array(chain).fill('1').join(' + ')} AS chain`] : [];
    return `SELECT${a}${[...items, ...long].join(`,${b}`)}${c}FROM messages m${d}WHERE ${where}`;
  });

/** Runbook SQL with random damage: quotes, dollar quotes, comment marks, meta-commands, odd Unicode. */
const SEEDS = [
  "SELECT pid, now() - query_start AS duration, query\nFROM pg_stat_activity\nWHERE state = 'active'\nORDER BY duration DESC;",
  'CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$\nBEGIN\n  RETURN 1;\nEND $$;',
  'WITH d AS (DELETE FROM messages WHERE id IN (SELECT id FROM messages LIMIT 1) RETURNING *)\nSELECT count(*) FROM d;',
  'CREATE TEMP TABLE t1 (a int);\nALTER TABLE t1 ADD COLUMN b text;\nSELECT a, b FROM t1;\nDROP TABLE t1;',
  "SELECT now() AS t \\gset\nSELECT :'t'::timestamptz, :id;\n\\x\n\\d messages",
  "/* block ; comment */ SELECT 'a -- b', E'\\'', $x$ ; $x$, U&'\\0041';",
  'COPY blocked_ips FROM STDIN;\n10.0.0.1\tx\n\\.\nSELECT 1;',
];
const DAMAGE = [
  "'",
  '"',
  '$$',
  '$a$',
  '/*',
  '*/',
  '--',
  '\n',
  '\r\n',
  ';',
  '\\',
  ':',
  '1abc',
  '""',
  '(',
  ')',
  'CASE',
  'END',
  'BEGIN',
  '\0',
];
const damaged = fc
  .tuple(
    fc.constantFrom(...SEEDS),
    fc.array(fc.tuple(fc.nat(), fc.oneof(fc.constantFrom(...DAMAGE, ...ODD), chars)), { maxLength: 10 }),
  )
  .map(([seed, edits]) =>
    edits.reduce((sql, [at, piece]) => {
      const i = at % (sql.length + 1);
      return sql.slice(0, i) + piece + sql.slice(i);
    }, seed),
  );
const anySql = fc.oneof(
  damaged,
  validSelect,
  fc.string({ unit: 'binary', maxLength: 300 }),
  fc
    .array(fc.constantFrom(...DAMAGE, ...ODD, 'SELECT', ' x', ' FROM messages'), { maxLength: 80 })
    .map((a) => a.join('')),
  fc
    .tuple(fc.constantFrom(...Object.values(DEEP)), fc.integer({ min: 1, max: 3_000 }))
    .map(([deep, n]) => deep(n)),
);

const cpuMsSince = (started: NodeJS.CpuUsage) => {
  const { user, system } = process.cpuUsage(started);
  return (user + system) / 1000;
};

describe('properties', () => {
  it('any text: no throw, positions inside the text, under 10 s each (1,000 cases)', () => {
    let runs = 0;
    let slowest = 0;
    fc.assert(
      fc.property(anySql, (sql) => {
        runs++;
        // CPU time, not wall time: a busy machine must not make a linear parse look pathological.
        const started = process.cpuUsage();
        const check = checkSql(sql, schema);
        splitSqlScript(sql);
        const spentMs = cpuMsSince(started);
        slowest = Math.max(slowest, spentMs);
        const lines = sql.split('\n').length;
        for (const finding of check.findings) {
          expect(finding.line).toBeGreaterThanOrEqual(1);
          expect(finding.line).toBeLessThanOrEqual(lines);
          expect(finding.column).toBeGreaterThanOrEqual(1);
        }
        expect(reachedOverflow(check)).toBe(false);
        expect(spentMs).toBeLessThan(10_000);
      }),
      { numRuns: 1_000 },
    );
    console.log(`sql-check property "any text": ${runs} cases, slowest ${slowest.toFixed(0)} ms of CPU`);
    expect(runs).toBe(1_000);
    // 7.5 s on an idle machine; the whole run's deadline leaves room for a busy one.
  }, 120_000);

  it('a statement PostgreSQL accepts gets no finding, and the statement after it is still checked (150 cases)', async () => {
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(validSelect, newline, async (select, eol) => {
        runs++;
        const sql = `${select};${eol}${PLANTED}`;
        const lastLine = sql.split('\n').length;
        expect(checkSql(sql, schema).findings).toEqual([plantedFinding(lastLine)]);
        expect(await runOnServer(db.url, `EXPLAIN ${select}`)).toEqual({ ok: true });
      }),
      { numRuns: 150 },
    );
    console.log(`sql-check property "accepted SQL": ${runs} cases`);
    expect(runs).toBe(150);
  });
});
