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
    // Runbook 2 never says how to tell the fix worked; runbook 1 does.
    const verification = findings.filter((finding) => finding.subject === 'verification');
    expect(verification.map((finding) => finding.runbook)).toEqual([2]);
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
