import { beforeAll, describe, expect, it } from 'vitest';
import { parseRunbook, readRunbook } from '../../src/runbooks/parse-runbook.ts';
import { loadSqlParser } from '../../src/runbooks/sql-check/index.ts';

// parseRunbook cuts SQL blocks with PostgreSQL's scanner.
beforeAll(() => loadSqlParser());

const SHARED = new URL('../../../shared/runbooks/incident-response-runbooks.md', import.meta.url);

describe('steps, claims and decision points of the shared runbook', () => {
  it('splits code blocks into SQL statements and shell commands, each with its line', async () => {
    const document = await readRunbook(SHARED);
    const byNumber = (n: number) => document.runbooks.find((runbook) => runbook.number === n)!;
    const saturation = byNumber(3);
    // SQL written inside a bash fence (after `psql`) is a SQL step, from its first to its last line.
    const longRunning = saturation.steps.find((step) =>
      step.text.includes('now() - query_start as duration'),
    )!;
    expect(longRunning).toMatchObject({ kind: 'sql', line: 423, endLine: 427 });
    expect(document.lines[longRunning.line - 1]).toMatch(/^SELECT pid/);
    // The missing-index fix as written: a transaction around CREATE INDEX CONCURRENTLY.
    expect(
      saturation.steps
        .filter((step) => step.line >= 472 && step.line <= 475)
        .map((step) => step.text.split(/\s/)[0]),
    ).toEqual(['BEGIN;', 'CREATE', 'COMMIT;']);
    // Shell commands joined across continuation lines, mapped to what gameday can do.
    const rollback = byNumber(1).steps.find((step) => step.action === 'rollback')!;
    expect(rollback).toMatchObject({ tool: 'kubectl', line: 97 });
    const repoint = byNumber(4).steps.find((step) => step.action === 'set-env')!;
    expect(repoint.text).toMatch(
      /^kubectl set env deployment\/chat-backend DATABASE_URL=".*" -n production$/,
    );
    expect(repoint.line).toBeLessThan(repoint.endLine);
    expect(byNumber(4).steps.find((step) => step.sql)?.sql).toBe('SELECT 1;');
    // Tools gameday has no action for stay unmapped (reported as manual steps, not errors).
    expect(
      byNumber(4)
        .steps.filter((step) => step.tool === 'aws')
        .every((step) => !step.action),
    ).toBe(true);
    // The Alert Trigger block is not a step.
    expect(
      document.runbooks.flatMap((runbook) => runbook.steps).some((step) => /^Alert:/.test(step.text)),
    ).toBe(false);
  });

  it('finds the measurable claims, and not the deadlines for people', async () => {
    const document = await readRunbook(SHARED);
    const claims = document.runbooks.flatMap((runbook) =>
      runbook.claims.map((claim) => [runbook.number, claim.line, claim.kind, claim.bound, claim.value]),
    );
    expect(claims).toEqual([
      [1, 105, 'time', 'at-most', 120_000],
      [1, 105, 'ratio', 'at-most', 0.005],
      [1, 111, 'time', 'at-most', 300_000],
      [1, 205, 'ratio', 'at-most', 0.005],
      [2, 264, 'size', 'about', 2 * 1024 * 1024],
      [3, 448, 'ratio', 'at-least', 0.99],
      [3, 480, 'latency', 'at-most', 50],
      [4, 645, 'time', 'about', 60_000],
    ]);
  });

  it('finds the decision points and the procedure each branch leads to', async () => {
    const document = await readRunbook(SHARED);
    const decisions = (n: number) => document.runbooks.find((runbook) => runbook.number === n)!.decisions;
    expect(decisions(1).find((point) => point.line === 88)).toMatchObject({
      condition: 'recent deployment (<30 min ago)',
      target: 'Rollback Procedure',
    });
    expect(decisions(2).map((point) => point.target)).toEqual(
      expect.arrayContaining(['DDoS Mitigation', 'Scaling Procedure']),
    );
    expect(decisions(4).map((point) => point.target)).toEqual(['Database Recovery', 'Reset Circuit Breaker']);
  });

  it('reads steps and claims of another document with its own wording', () => {
    const document = parseRunbook(
      [
        '# Runbooks',
        '## Severity Levels',
        '| Level | Response Time |',
        '|---|---|',
        '| SEV2 | <30 min |',
        '## Runbook 1: Queue Backlog',
        '### Alert Trigger',
        '```',
        'Alert: queue depth > 5000',
        'Severity: SEV2',
        'Duration: 10 minutes',
        '```',
        '```sql',
        '-- oldest jobs',
        'SELECT id, enqueued_at',
        '  FROM jobs',
        ' ORDER BY enqueued_at LIMIT 5;',
        '```',
        '```bash',
        'kubectl scale deployment/worker --replicas=8',
        '# The backlog typically clears within 15 minutes',
        '# If the backlog keeps growing → proceed to "Throttle Producers"',
        '```',
      ].join('\n'),
      'team-b.md',
    );
    const [runbook] = document.runbooks;
    expect(runbook!.steps.map((step) => [step.kind, step.line, step.endLine, step.action ?? null])).toEqual([
      ['sql', 15, 17, null],
      ['shell', 20, 20, 'scale'],
    ]);
    expect(runbook!.claims).toMatchObject([{ line: 21, kind: 'time', bound: 'at-most', value: 15 * 60_000 }]);
    expect(runbook!.decisions).toMatchObject([{ line: 22, target: 'Throttle Producers' }]);
  });
});
