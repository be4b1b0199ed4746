import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunbookCheck } from '../../src/engine/result.ts';
import type { CliResult } from '../support/run-cli.ts';
import { type FixRun, runFixCli } from '../support/runbook-verify-run.ts';

/**
 * `gameday runbook verify` with the shared runbook: its diagnostic queries run during real faults and
 * are judged by what the harness knows independently (pg_blocking_pids, the runaway pids, the dropped
 * index) and by what their labels promise; its SQL fixes run as written and their effect is checked on
 * the sessions that serve users; its claims are compared with what was measured. Each verdict names
 * its evidence. It runs as `gameday runbook fix` (whose first pass is `runbook verify`): the repairs,
 * and the corrected copy verified during the same faults, are checked at the end.
 */
const SHARED = new URL('../../../shared/runbooks/incident-response-runbooks.md', import.meta.url).pathname;
let run: FixRun;
let result: CliResult;
let checks: RunbookCheck[];

beforeAll(async () => {
  run = await runFixCli(SHARED, ['lock-contention', 'runaway-query', 'missing-index']);
  ({ result, checks } = run);
}, 540_000);
afterAll(() => run?.cleanup());

const at = (scenario: string, line: number) =>
  checks.find((check) => check.scenario === scenario && check.line === line);
const judgement = (check: RunbookCheck | undefined, rule: string) =>
  check?.judgements.find((candidate) => candidate.rule === rule);

describe('gameday runbook verify on the shared runbook', () => {
  it('runs the runbook 3 steps during all three live faults', () => {
    expect(new Set(checks.map((check) => check.scenario))).toEqual(
      new Set(['lock-contention', 'runaway-query', 'missing-index']),
    );
    expect(checks.every((check) => check.runbook === 3)).toBe(true);
  });

  it('reports that the lock query calls sessions blocking that block nobody (it joins on lock type alone)', () => {
    // pg_blocking_pids() knows the one real blocker; the runbook's join lists every session holding
    // any lock of the same type, the query's own session among them.
    const blocking = at('lock-contention', 492)!;
    expect(blocking.status).toBe('inaccurate');
    expect(blocking.seen).toMatch(/column blocking_pid names \d+ session\(s\), \d+ of which block nobody/);
    expect(blocking.expected).toMatch(/pid \d+, the session holding the lock/);
  });

  it('reports that the long-running-query list misses the blocker, which is idle in its transaction', () => {
    // WHERE state = 'active' lists the waiting inserts, not the session that holds the lock.
    const longRunning = at('lock-contention', 423)!;
    expect(longRunning.status).toBe('inaccurate');
    expect(longRunning.expected).toMatch(/the session holding the lock/);
    // The same query does show the runaway queries, and the slow queries a missing index causes.
    expect(at('runaway-query', 423)?.status).toBe('ok');
    expect(at('missing-index', 423)?.status).toBe('ok');
  });

  it('holds labels against results: nothing in "CPU usage" or "Find CPU-intensive query" measures CPU', () => {
    for (const scenario of ['lock-contention', 'runaway-query', 'missing-index']) {
      const cpu = at(scenario, 443)!;
      expect(cpu.status).toBe('inaccurate');
      expect(judgement(cpu, 'label')?.observed).toMatch(
        /^"CPU usage" promises CPU, but nothing in it measures CPU/,
      );
    }
    // It does list the runaway queries first (oldest first); it cannot tell them from waiting ones.
    const cpuIntensive = at('runaway-query', 538)!;
    expect(cpuIntensive.status).toBe('inaccurate');
    expect(judgement(cpuIntensive, 'shows-fault')).toMatchObject({
      status: 'ok',
      observed: expect.stringMatching(/the runaway queries/),
    });
    expect(judgement(cpuIntensive, 'label')?.status).toBe('inaccurate');
    // "Find long-running queries" is what its columns show.
    expect(judgement(at('missing-index', 423), 'label')?.status).toBe('ok');
  });

  it('finds the cache hit ratio check no procedure follows up', () => {
    const cache = at('missing-index', 449)!;
    expect(cache.status).toBe('inaccurate');
    expect(judgement(cache, 'coverage')?.observed).toMatch(
      /^it found cache_hit_ratio = [\d.]+ and no procedure of runbook 3 handles "Cache hit ratio \(should be >99%\)"/,
    );
  });

  it('runs the steps that confirm a fix after it: EXPLAIN ANALYZE shows the index scan then', () => {
    const explain = at('missing-index', 478)!;
    expect(explain.status).toBe('ok');
    expect(explain.seen).toMatch(/^after the fix, \d+ row\(s\) \(.*Index Scan.*\), none of the fault/);
    // The interactive psql of "Connect to database" connects to the stack's database and ends.
    expect(at('lock-contention', 420)).toMatchObject({
      status: 'ok',
      seen: expect.stringMatching(/psql connected/),
    });
  });

  it('runs the index fix as written: CREATE INDEX CONCURRENTLY inside BEGIN/COMMIT is refused', () => {
    const fix = at('missing-index', 473)!;
    expect(fix.status).toBe('broken');
    expect(fix.seen).toMatch(/lines 472–475.*cannot run inside a transaction block/);
    expect(fix.seen).toMatch(/the harness's create-index did it instead/);
    // The runbook's "Expected: Index scan, <50ms", measured on the fixed table.
    const claim = at('missing-index', 480)!;
    expect(claim.status).toBe('ok');
    expect(claim.seen).toMatch(/index scan, after the fix/);
  });

  it('reports the placeholder fixes broken, with what did the job instead', () => {
    const blocker = at('lock-contention', 504)!;
    expect(blocker).toMatchObject({ status: 'broken' });
    expect(blocker.seen).toMatch(/column "blocking_pid" does not exist/);
    expect(blocker.worked).toContainEqual(
      expect.objectContaining({ kind: 'harness-action', action: 'terminate-blockers' }),
    );
    expect(at('runaway-query', 544)).toMatchObject({ status: 'broken' });
    expect(at('runaway-query', 544)!.worked).toContainEqual(
      expect.objectContaining({ kind: 'harness-action', action: 'terminate-long-queries' }),
    );
  });

  it('runs the statement timeout as written and finds it never reaches the pooled connections', () => {
    const timeout = at('runaway-query', 547)!;
    expect(timeout.status).toBe('inaccurate');
    expect(judgement(timeout, 'runs')?.observed).toMatch(/^ran as written \(line 547\)/);
    expect(judgement(timeout, 'outcome')?.observed).toMatch(/the incident resolved/);
    expect(judgement(timeout, 'effect')).toMatchObject({
      status: 'inaccurate',
      observed: expect.stringMatching(
        /^only new sessions get statement_timeout = 30s: a session opened before it still has 0, and \d+ of the backend's \d+ pooled connections/,
      ),
    });
    expect(timeout.worked).toContainEqual(
      expect.objectContaining({ kind: 'setting', name: 'statement_timeout', takesEffect: 'new-sessions' }),
    );
  });

  it('names the evidence for every verdict', () => {
    for (const check of checks) {
      expect(check.judgements.length, `line ${check.line}`).toBeGreaterThan(0);
      for (const one of check.judgements) expect(one.observed.trim(), `line ${check.line}`).not.toBe('');
      expect(check.seen.trim(), `line ${check.line}`).not.toBe('');
    }
  });

  it('writes the accuracy table, and every scenario still passes', async () => {
    const table = await run.file('runbook-accuracy.md');
    expect(table).toMatch(/\| 3 \| 473 \| .* \| missing-index \| broken \|/);
    expect(table).toMatch(/\| 3 \| 423 \| .* \| lock-contention \| inaccurate \|/);
    // The harness took over where the runbook's fix failed, so each incident was still resolved.
    for (const id of ['lock-contention', 'runaway-query', 'missing-index'])
      expect(result.stderr).toMatch(new RegExp(`${id}: passed`));
  });
});

describe('gameday runbook fix on the shared runbook (runbook 3)', () => {
  it('repairs every wrong step it has something that worked for, and each repair verifies', () => {
    expect(result.code, result.stderr.slice(-3000)).toBe(0);
    expect(result.stderr).toMatch(/\n10 repaired, 10 verified, 0 not verified; 1 not repairable\n/);
    const fixed = run.fixed;
    // The index build out of its transaction; the placeholders replaced by queries that find the value.
    expect(fixed).toMatch(
      /-- Create index \(in transaction to avoid locking\)\nCREATE INDEX CONCURRENTLY idx_messages_user_id_created_at ON messages\(user_id, created_at DESC\);\n-- gameday runbook fix: moved out of the transaction/,
    );
    expect(fixed).not.toMatch(/^BEGIN;$/m);
    expect(fixed).toContain(
      'SELECT pg_terminate_backend(blocking_pid) FROM (SELECT DISTINCT unnest(pg_blocking_pids(pid)) AS blocking_pid FROM pg_stat_activity) AS blockers;',
    );
    expect(fixed).toMatch(
      /SELECT pg_terminate_backend\(pid\) FROM pg_stat_activity WHERE state <> 'idle' .* > interval '\d+ seconds';/,
    );
    // The lock queries built on pg_blocking_pids(); the timeout given to the open sessions too.
    expect(fixed).toContain(
      'JOIN pg_stat_activity holder ON holder.pid = ANY (pg_blocking_pids(waiting.pid));',
    );
    expect(fixed).toContain("ALTER SYSTEM SET statement_timeout = '30s';\nSELECT pg_reload_conf();");
    // The cache hit claim says what was measured; the check no procedure follows up is left as it was.
    expect(fixed).toMatch(/# Cache hit ratio \(should be >\d+%\) \(gameday runbook fix: was >99%, measured/);
    expect(result.stderr).toMatch(
      /cache_hit_ratio FROM pg_stat_database;\n\s+no procedure of the runbook follows up/,
    );
  });

  it('re-tried every repaired step during the same faults, and none is wrong now', () => {
    const repairedLines = (run.fixed.split('\n') as string[])
      .map((line, index) => ({ line, number: index + 1 }))
      .filter(({ line }) => line.includes('gameday runbook fix:'));
    expect(repairedLines).toHaveLength(10);
    // What is still wrong is what the fix left as written (the cache hit query no procedure handles).
    for (const check of run.rechecks.filter((c) => c.status === 'broken' || c.status === 'inaccurate'))
      expect(check.step, `line ${check.line}: ${check.seen}`).toMatch(/cache_hit_ratio/);
  });

  it('prints a patch that a pull request can take', () => {
    expect(result.stdout).toMatch(
      /^=+\n--- a\/.*incident-response-runbooks\.md\n\+\+\+ b\/.*incident-response-runbooks\.md\n@@ /,
    );
    expect(result.stdout).toMatch(/^-BEGIN;$/m);
    expect(result.stdout).toMatch(/^-SELECT pg_terminate_backend\(blocking_pid\);$/m);
  });
});
