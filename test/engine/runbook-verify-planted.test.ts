import fs from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunbookCheck } from '../../src/engine/result.ts';
import type { CliResult } from '../support/run-cli.ts';
import { runVerifyCli, type VerifyRun } from '../support/runbook-verify-run.ts';

/**
 * `gameday runbook verify` on another team's runbook with planted defects (a wrong column, a query
 * that cannot show the fault, a claim ten times off) beside correct steps: the defects are found by
 * running the steps during the real faults, and the correct steps pass.
 */
const FIXTURE = new URL('../runbooks/fixtures/verify-defects.md', import.meta.url).pathname;
let run: VerifyRun;
let result: CliResult;
let checks: RunbookCheck[];

beforeAll(async () => {
  run = await runVerifyCli(FIXTURE, ['missing-index', 'lock-contention', 'database-outage']);
  ({ result, checks } = run);
}, 300_000);
afterAll(() => run?.cleanup());

/** The check of the step written on the line that `marker` starts (the fixture's own line numbers). */
async function at(marker: string): Promise<RunbookCheck | undefined> {
  const lines = (await fs.readFile(FIXTURE, 'utf8')).split('\n');
  const line = lines.findIndex((text) => text.trimStart().startsWith(marker)) + 1;
  expect(line, `"${marker}" is in the fixture`).toBeGreaterThan(0);
  return checks.find((check) => check.line === line);
}

describe('gameday runbook verify on a runbook with planted defects', () => {
  it('finds the wrong column: PostgreSQL refuses the query during the fault', async () => {
    const wrongColumn = await at('SELECT pid, blocking_pid FROM pg_locks');
    expect(wrongColumn).toMatchObject({ status: 'broken', scenario: 'lock-contention' });
    expect(wrongColumn!.seen).toMatch(/column "blocking_pid" does not exist/);
  });

  it('finds the query that cannot show the fault: it lists the waiting sessions, never the blocker', async () => {
    const waiters = await at(
      "SELECT pid, wait_event_type, query FROM pg_stat_activity WHERE wait_event_type = 'Lock'",
    );
    expect(waiters).toMatchObject({ status: 'inaccurate', scenario: 'lock-contention' });
    expect(waiters!.seen).toMatch(/none showing it/);
  });

  it('finds the claim ten times off, and passes the true one beside it', async () => {
    const planted = await at('# The breaker closes by itself, usually 10 seconds');
    expect(planted).toMatchObject({ status: 'inaccurate', scenario: 'database-outage' });
    expect(planted!.seen).toMatch(/measured [\d.]+ (s|min) \((1[0-9]|2[0-4])× the claim\)/);
    const trueClaim = await at('# The breaker closes by itself, usually 2 minutes');
    expect(trueClaim?.status).toBe('ok');
  });

  it('passes the correct steps: triage, the blocker query, both fixes as written, the latency claim', async () => {
    // The triage list shows the slow user-history queries while the index is missing.
    const triage = checks.find(
      (check) => check.scenario === 'missing-index' && /running_for/.test(check.step),
    );
    expect(triage?.status).toBe('ok');
    const blockers = await at('SELECT waiting.pid AS waiting_pid');
    expect(blockers).toMatchObject({ status: 'ok', scenario: 'lock-contention' });
    // Run as written, not by the harness: the fix's own statement ended the incident.
    const index = await at('CREATE INDEX CONCURRENTLY');
    expect(index).toMatchObject({ status: 'ok', scenario: 'missing-index' });
    expect(index!.seen).toMatch(/^ran as written \(line \d+\).*the incident resolved/);
    const terminate = await at('SELECT pg_terminate_backend(holder.pid)');
    expect(terminate).toMatchObject({ status: 'ok', scenario: 'lock-contention' });
    expect(terminate!.seen).toMatch(/ran as written .* 1 row\(s\)/);
    const latency = await at('-- Expected: Index scan, <50ms');
    expect(latency).toMatchObject({ status: 'ok', scenario: 'missing-index' });
    expect(latency!.seen).toMatch(/ms \(EXPLAIN ANALYZE\), index scan, after the fix/);
    // The failover's steps: one gameday carries out, one only a person can run.
    expect((await at('kubectl set env deployment/chat-backend DATABASE_URL'))?.status).toBe('ok');
    expect((await at('aws rds promote-read-replica'))?.status).toBe('manual');
  });

  it("finds the alert's metric the backend does not export, the log line nobody writes, the missing endpoint", async () => {
    const lines = (await fs.readFile(FIXTURE, 'utf8')).split('\n');
    const metricLine = lines.findIndex((text) => text.startsWith('Metrics: db_breaker_open')) + 1;
    const alertChecks = checks.filter((check) => check.runbook === 4 && /^Metrics:/.test(check.step));
    expect(alertChecks).toHaveLength(1);
    expect(alertChecks[0]!.line).toBe(metricLine);
    expect(alertChecks[0]).toMatchObject({
      status: 'inaccurate',
      seen: 'the live backend exports no db_breaker_open',
    });
    // Runbook 3's metric is real.
    expect(checks.find((check) => check.runbook === 3 && /^Metrics:/.test(check.step))?.status).toBe('ok');

    expect(
      (await at('kubectl logs deployment/chat-backend -n production | grep "Circuit breaker OPEN"'))?.status,
    ).toBe('ok');
    const silentLog = await at('kubectl logs deployment/chat-backend -n production | grep "breaker tripped"');
    expect(silentLog).toMatchObject({
      status: 'inaccurate',
      seen: 'no line of the backend logs matches during the fault',
    });
    expect((await at('curl https://storage.internal/api/v1/health/database'))?.status).toBe('ok');
    // During the outage the connectivity check fails, which is what it is there to show.
    const connectivity = await at('psql -h storage-db');
    expect(connectivity).toMatchObject({ status: 'ok', scenario: 'database-outage' });
    expect(connectivity!.seen).toMatch(/could not connect .*the primary refuses connections/);
    const missing = await at('curl https://storage.internal/api/v1/health/db');
    expect(missing).toMatchObject({ status: 'broken', seen: '/api/v1/health/db does not exist (404)' });
  });

  it('fails the command because of the defects, while every scenario itself passed', () => {
    expect(result.code).toBe(1);
    for (const id of ['missing-index', 'lock-contention', 'database-outage'])
      expect(result.stderr).toMatch(new RegExp(`${id}: passed`));
    const verdicts = new Set(checks.map((check) => check.status));
    expect(verdicts).toEqual(new Set(['ok', 'inaccurate', 'broken', 'manual']));
  });
});
