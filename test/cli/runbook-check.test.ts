import { describe, expect, it } from 'vitest';
import type { StaticFinding } from '../../src/runbooks/runbook-check.ts';
import { runCli } from '../support/run-cli.ts';

const SHARED = new URL('../../../shared/runbooks/incident-response-runbooks.md', import.meta.url).pathname;
const FIXTURE = new URL('../../fixtures/runbook/chat-backend-runbooks.md', import.meta.url).pathname;
const PLANTED = new URL('../runbooks/fixtures/planted-defects.md', import.meta.url).pathname;

async function check(
  file: string,
): Promise<{ code: number | null; findings: StaticFinding[]; stdout: string }> {
  const result = await runCli(['runbook', 'check', file, '--json']);
  return { code: result.code, stdout: result.stdout, findings: JSON.parse(result.stdout).findings };
}

describe('gameday runbook check (no stack)', () => {
  it('finds the planted defects, each at its line, and fails', async () => {
    const { code, findings } = await check(PLANTED);
    expect(code).toBe(1);
    const notOk = findings
      .filter((finding) => finding.verdict !== 'ok')
      .map((finding) => [finding.runbook, finding.line, finding.subject, finding.verdict]);
    expect(notOk).toEqual(
      expect.arrayContaining([
        [null, 8, 'severity', 'warning'],
        [1, 24, 'sql', 'broken'],
        [2, 42, 'alert', 'warning'],
        [2, 49, 'sql', 'broken'],
        [2, 55, 'shell', 'manual'],
      ]),
    );
    const column = findings.find((finding) => finding.line === 24)!;
    expect(column.message).toMatch(/"create_at" does not exist in messages \(did you mean "created_at"\?\)/);
    expect(findings.find((finding) => finding.line === 49)!.message).toMatch(/syntax error/);
    // The clean query and the mapped rollback are reported ok, not silently skipped.
    expect(findings).toContainEqual(expect.objectContaining({ line: 27, subject: 'sql', verdict: 'ok' }));
    expect(findings).toContainEqual(
      expect.objectContaining({
        line: 33,
        subject: 'shell',
        verdict: 'ok',
        message: expect.stringMatching(/rollback/),
      }),
    );
    // Runbook 2 never says how to tell the fix worked; runbooks 1 and 3 do.
    const verification = findings.filter((finding) => finding.subject === 'verification');
    expect(verification.map((finding) => finding.runbook)).toEqual([2]);
  });

  it('finds the check no procedure follows up, and passes its twin that leads to one', async () => {
    const { findings } = await check(PLANTED);
    const coverage = findings.filter((finding) => finding.subject === 'coverage');
    expect(coverage.map((finding) => [finding.line, finding.verdict])).toEqual([[72, 'warning']]);
    expect(coverage[0]!.message).toMatch(
      /"Check for bloated tables": no procedure of this runbook handles what it finds \(its procedures: Fix: Duplicate Messages\)/,
    );
  });

  it('calls no SQL broken that PostgreSQL accepts, and notes psql’s own commands', async () => {
    const { findings } = await check(PLANTED);
    const block = findings.filter(
      (finding) => finding.runbook === 3 && finding.line >= 80 && finding.line <= 89,
    );
    expect(block.filter((finding) => finding.subject === 'sql').map((f) => [f.line, f.verdict])).toEqual([
      [80, 'ok'],
      [84, 'ok'],
      [85, 'ok'],
      [86, 'ok'],
      [89, 'ok'],
    ]);
    expect(block.filter((finding) => finding.subject === 'psql').map((f) => [f.line, f.verdict])).toEqual([
      [88, 'manual'],
      [89, 'manual'],
    ]);
    // A shell step gameday cannot carry out is a person's; one it can runs as written.
    expect(findings).toContainEqual(
      expect.objectContaining({
        line: 95,
        subject: 'shell',
        verdict: 'manual',
        message: '`kubectl exec` has no equivalent on this stack',
      }),
    );
    expect(findings).toContainEqual(expect.objectContaining({ line: 96, subject: 'shell', verdict: 'ok' }));
  });

  it('passes every SQL statement of this project’s own runbook against the schema', async () => {
    const { findings } = await check(FIXTURE);
    const sql = findings.filter((finding) => finding.subject === 'sql');
    expect(sql.length).toBeGreaterThan(15);
    expect(sql.filter((finding) => finding.verdict !== 'ok').map((finding) => finding.message)).toEqual(
      // The runbook's placeholders: a column name where a pid must be written.
      [expect.stringMatching(/blocking_pid/), expect.stringMatching(/"pid"/)],
    );
  });

  it('parses the shared runbook fully and reports its steps with lines', async () => {
    const { code, findings, stdout } = await check(SHARED);
    expect(code).toBe(1);
    expect(new Set(findings.map((finding) => finding.runbook))).toEqual(new Set([null, 1, 2, 3, 4, 5, 6]));
    expect(findings).toContainEqual(
      expect.objectContaining({ runbook: 3, line: 423, subject: 'sql', verdict: 'ok' }),
    );
    expect(findings).toContainEqual(
      expect.objectContaining({ runbook: 3, line: 504, subject: 'sql', verdict: 'broken' }),
    );
    expect(findings).toContainEqual(
      expect.objectContaining({ runbook: 4, line: 633, subject: 'shell', verdict: 'manual' }),
    );
    expect(stdout).not.toMatch(/Bearer [A-Za-z0-9]/);
  });

  it('names the file and line of a runbook it cannot parse, with exit 2', async () => {
    const result = await runCli([
      'runbook',
      'check',
      new URL('../../package.json', import.meta.url).pathname,
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/package\.json:1: expected a severity table/);
  });
});
