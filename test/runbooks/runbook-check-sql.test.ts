import { beforeAll, describe, expect, it } from 'vitest';
import { parseRunbook } from '../../src/runbooks/parse-runbook.ts';
import { checkRunbookStatically, defaultSchema } from '../../src/runbooks/runbook-check.ts';
import { loadSqlParser, type SqlSchema } from '../../src/runbooks/sql-check/index.ts';

/**
 * `runbook check` on SQL PostgreSQL accepts (issue 20) and on a statement too deep to check (issue
 * 22): each SQL fence cut as psql cuts it, a block's tables carried from step to step, lines exact.
 */
const fence = (...lines: string[]) => ['```sql', ...lines, '```'].join('\n');
const DEEP = `SELECT ${Array(2_000).fill('1').join(' + ')};`;
const DOCUMENT = [
  '# Runbooks',
  '',
  '## Severity Levels',
  '',
  '| Level | Description | Response Time | Escalation |',
  '| ----- | ----------- | ------------- | ---------- |',
  '| **SEV1** | Outage | <10 min | On-call |',
  '',
  '## Runbook 1: Slow Queries',
  '',
  '### Alert Trigger',
  '',
  '```',
  'Alert: p95 query time > 500ms',
  'Severity: SEV1',
  'Duration: 5+ minutes sustained',
  '```',
  '',
  '### Diagnose',
  '',
  fence(
    'CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$',
    'BEGIN',
    '  RETURN 1;',
    'END $$;',
    "SELECT 'first;",
    "second' AS x;",
    "SELECT query, calls FROM pg_stat_statements WHERE query LIKE '% -- tag%';",
    'SELECT last_value FROM messages_id_seq;',
    '\\x',
    'SELECT max(id) AS last_id FROM messages \\gset',
    'SELECT count(*) FROM messages WHERE id <= :last_id;',
  ),
  '',
  fence('CREATE TEMP TABLE t1 (a int);', 'SELECT a FROM t1;'),
  '',
  fence('SELECT message_id,', '  -- the author', '  user_id,', '  -- when', '  create_at', 'FROM messages;'),
  '',
  fence(DEEP, 'SELECT mesage_id FROM messages;'),
  '',
  'Verify: p95 query time < 100ms',
].join('\n');

let schema: SqlSchema;
beforeAll(async () => {
  await loadSqlParser();
  schema = await defaultSchema();
});

describe('runbook check on SQL blocks', () => {
  it('calls broken only what PostgreSQL would refuse, at its line; a too-deep statement is a warning', async () => {
    const document = parseRunbook(DOCUMENT, 'runbooks.md');
    const lines = DOCUMENT.split('\n');
    const lineOf = (text: string) => lines.findIndex((line) => line.startsWith(text)) + 1;
    const sql = (await checkRunbookStatically(document, schema)).filter(
      (finding) => finding.subject === 'sql',
    );
    expect(sql.filter((finding) => finding.verdict !== 'ok')).toEqual([
      expect.objectContaining({ line: lineOf('  create_at'), verdict: 'broken' }),
      expect.objectContaining({
        line: lineOf(DEEP),
        verdict: 'warning',
        message: expect.stringMatching(/^not checked/),
      }),
      expect.objectContaining({ line: lineOf('SELECT mesage_id'), verdict: 'broken' }),
    ]);
    // The eight statements of the first two blocks, each an ok step of its own.
    expect(sql.filter((finding) => finding.verdict === 'ok')).toHaveLength(8);
  });

  it("notes psql's meta-commands at their lines instead of skipping them", async () => {
    const document = parseRunbook(DOCUMENT, 'runbooks.md');
    const lines = DOCUMENT.split('\n');
    const psql = (await checkRunbookStatically(document, schema)).filter(
      (finding) => finding.subject === 'psql',
    );
    expect(psql.map((finding) => [finding.line, finding.verdict])).toEqual([
      [lines.indexOf('\\x') + 1, 'manual'],
      [lines.findIndex((line) => line.endsWith('\\gset')) + 1, 'manual'],
    ]);
    expect(psql[1]!.message).toMatch(/`\\gset`: psql carries it out/);
  });
});
