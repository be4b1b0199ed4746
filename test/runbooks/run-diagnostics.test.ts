import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseRunbook } from '../../src/runbooks/parse-runbook.ts';
import { type Evidence, planOnly, runDiagnostics } from '../../src/runbooks/run-diagnostics.ts';
import { defaultSchema } from '../../src/runbooks/runbook-check.ts';
import { createTestDatabase, type TestDatabase } from '../support/databases.ts';

/**
 * A runbook's EXPLAIN ANALYZE of the slow query runs that query, and during a missing-index incident
 * on a loaded host it can take longer than the harness gives a diagnostic (a CI run's did): the step is
 * right, and its plan is what a responder reads it for. The runbook's example slow query itself can
 * run that long too (another CI run's did).
 */
const SLOW = "EXPLAIN ANALYZE SELECT pg_sleep(6), message_id FROM messages WHERE user_id = 'user-1' LIMIT 1;";
const FAST = "EXPLAIN ANALYZE SELECT message_id FROM messages WHERE user_id = 'user-1' LIMIT 1;";
/** The runbook's own "slow query" example, as slow as a missing index makes it on a loaded host. */
const SLOW_SELECT = "SELECT pg_sleep(6), message_id FROM messages WHERE user_id = 'user-1' LIMIT 1;";
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
  '```',
  '',
  '### Diagnose',
  '',
  '```sql',
  '-- The plan of the slow query',
  SLOW,
  '-- The plan again',
  FAST,
  '-- Slow query',
  SLOW_SELECT,
  '```',
  '',
].join('\n');

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database?.drop());

describe('a diagnostic the time limit cancels during the fault', () => {
  it('is judged by its plan, not called broken', async () => {
    const schema = await defaultSchema();
    const runbook = parseRunbook(DOCUMENT, 'runbooks.md').runbooks[0]!;
    const evidence: Evidence = { values: [/ on messages\b/], description: 'a scan of messages' };
    const checks = await runDiagnostics({
      url: database.url,
      runbook,
      scenario: 'slow-queries',
      steps: runbook.steps,
      evidence: [evidence],
      schema,
    });
    const slow = checks.find((check) => check.step === SLOW)!;
    expect(slow.status).toBe('ok');
    expect(slow.judgements).toHaveLength(2);
    expect(slow.judgements).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          rule: 'runs',
          status: 'ok',
          observed: expect.stringMatching(/^ran past the 5s limit/),
        }),
        expect.objectContaining({
          rule: 'shows-fault',
          status: 'ok',
          observed: expect.stringContaining(evidence.description),
        }),
      ]),
    );
    // One that finishes in time is judged by what it printed, with no word about a limit.
    const fast = checks.find((check) => check.step === FAST)!;
    expect(fast.judgements.map((one) => one.rule)).toEqual(['shows-fault']);
    // A plain query cancelled the same way is judged by its plan too: its rows were never seen.
    const select = checks.find((check) => check.step === SLOW_SELECT)!;
    expect(select.status).toBe('ok');
    expect(select.judgements).toEqual([
      { rule: 'shows-fault', status: 'ok', observed: `its plan shows ${evidence.description}` },
      expect.objectContaining({
        rule: 'runs',
        status: 'ok',
        observed: expect.stringMatching(/^ran past the 5s limit/),
      }),
    ]);
  }, 30_000);

  it('calls a cancelled query whose plan shows none of the fault inaccurate, and one after the fix broken', async () => {
    const schema = await defaultSchema();
    const runbook = parseRunbook(DOCUMENT, 'runbooks.md').runbooks[0]!;
    const steps = runbook.steps.filter((step) => step.text === SLOW_SELECT);
    expect(steps).toHaveLength(1);
    const elsewhere: Evidence = { values: [/ on users\b/], description: 'a scan of users' };
    const options = {
      url: database.url,
      runbook,
      scenario: 'slow-queries',
      steps,
      evidence: [elsewhere],
      schema,
    };
    const [during] = await runDiagnostics(options);
    expect(during).toMatchObject({ status: 'inaccurate' });
    expect(during!.judgements[0]!.observed).toMatch(/its plan shows none of it/);
    const [after] = await runDiagnostics({ ...options, moment: 'after-fix' });
    expect(after).toMatchObject({ status: 'broken' });
    expect(after!.judgements[0]!.observed).toMatch(/canceling statement due to statement timeout/);
  }, 40_000);
});

describe('planOnly', () => {
  it('drops ANALYZE and the options that come with it, and leaves anything else alone', () => {
    expect(planOnly('EXPLAIN ANALYZE SELECT 1')).toBe('EXPLAIN SELECT 1');
    expect(planOnly('  explain analyse\nSELECT 1')).toBe('EXPLAIN SELECT 1');
    expect(planOnly('EXPLAIN (ANALYZE, BUFFERS) SELECT 1')).toBe('EXPLAIN SELECT 1');
    expect(planOnly('EXPLAIN (COSTS OFF) SELECT 1')).toBeUndefined();
    expect(planOnly('EXPLAIN SELECT 1')).toBeUndefined();
    expect(planOnly('SELECT pg_sleep(6)')).toBeUndefined();
  });
});
