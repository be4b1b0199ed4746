import { beforeAll, describe, expect, it } from 'vitest';
import { coverageOf } from '../../src/runbooks/coverage.ts';
import { judgeLabel } from '../../src/runbooks/judge-label.ts';
import { documentNumbers, judgeConnectionBudget, numbersOf } from '../../src/runbooks/judge-numbers.ts';
import { judgeExpectations, judgeShellRun } from '../../src/runbooks/judge-shell.ts';
import { type RunbookDocument, readRunbook } from '../../src/runbooks/parse-runbook.ts';
import type { ShellRun } from '../../src/runbooks/run-shell.ts';
import { judgeParameter, settingChangesOf, whenItApplies } from '../../src/runbooks/setting-changes.ts';
import { loadSqlParser } from '../../src/runbooks/sql-check/index.ts';
import { changesState, type RunbookStep } from '../../src/runbooks/steps.ts';
import { verdictOf } from '../../src/runbooks/verdicts.ts';

/**
 * The rules `runbook verify` judges a step by, each on its own: what a verdict is made of, labels
 * against content, coverage, when a setting applies, the runbook's own numbers, a command's output.
 */
const SHARED = new URL('../../../shared/runbooks/incident-response-runbooks.md', import.meta.url);
let shared: RunbookDocument;
beforeAll(async () => {
  await loadSqlParser();
  shared = await readRunbook(SHARED);
});

const stepAt = (line: number): RunbookStep =>
  shared.runbooks.flatMap((runbook) => runbook.steps).find((step) => step.line === line)!;
const runbookOf = (line: number) =>
  shared.runbooks.find((runbook) => runbook.steps.some((s) => s.line === line))!;
const base = { line: 1, step: 'x', expected: 'y' };

describe('a verdict', () => {
  it('is the worst of its judgements, a person’s part above ok, and keeps what worked only when not ok', () => {
    const ok = verdictOf(
      base,
      [{ rule: 'runs', status: 'ok', observed: 'ran' }],
      [{ kind: 'harness-action', action: 'x', detail: 'y' }],
    );
    expect(ok).toMatchObject({ status: 'ok', seen: 'ran' });
    expect(ok.worked).toBeUndefined();
    const mixed = verdictOf(
      base,
      [
        { rule: 'runs', status: 'ok', observed: 'ran' },
        { rule: 'label', status: 'inaccurate', observed: 'no CPU in it' },
        { rule: 'manual', status: 'manual', observed: 'a person' },
      ],
      [{ kind: 'query', sql: 'SELECT 1', showed: 'it' }],
    );
    expect(mixed.status).toBe('inaccurate');
    expect(mixed.seen).toBe('no CPU in it; a person; ran');
    expect(mixed.worked).toHaveLength(1);
    expect(
      verdictOf(base, [
        { rule: 'outcome', status: 'ok', observed: 'resolved' },
        { rule: 'manual', status: 'manual', observed: 'aws' },
      ]).status,
    ).toBe('manual');
  });

  it('refuses an ok that names nothing it observed', () => {
    expect(() => verdictOf(base, [{ rule: 'shows-fault', status: 'ok', observed: ' ' }])).toThrow(
      /names nothing/,
    );
    expect(() => verdictOf(base, [])).toThrow(/at least one judgement/);
  });
});

describe('labels against content', () => {
  const result = (columns: string[]) => ({ columns, rows: [] });
  it('"CPU usage" over pg_stat_database is inaccurate: nothing in it measures CPU', () => {
    const label = judgeLabel(
      stepAt(443),
      "SELECT * FROM pg_stat_database WHERE datname = 'chatdb';",
      ['pg_stat_database'],
      result(['datid', 'datname', 'numbackends', 'xact_commit']),
    );
    expect(label).toMatchObject({
      rule: 'label',
      status: 'inaccurate',
      observed: expect.stringMatching(/"CPU usage" promises CPU, but nothing in it measures CPU/),
    });
  });

  it('a CPU label is kept by a query that sets running sessions apart from waiting ones', () => {
    const step = { ...stepAt(538) };
    const sql = "SELECT pid, query FROM pg_stat_activity WHERE state = 'active' AND wait_event IS NULL";
    expect(judgeLabel(step, sql, ['pg_stat_activity'], result(['pid', 'query']))?.status).toBe('ok');
  });

  it('"Find long-running queries" needs how long and which query', () => {
    expect(
      judgeLabel(stepAt(423), 'x', ['pg_stat_activity'], result(['pid', 'duration', 'query']))?.status,
    ).toBe('ok');
    expect(judgeLabel(stepAt(423), 'x', ['pg_stat_activity'], result(['pid', 'query']))?.status).toBe(
      'inaccurate',
    );
  });

  it('"Check connection pool" needs the application’s sessions picked out, and says what the pools were', () => {
    const count = judgeLabel(
      stepAt(137),
      'SELECT count(*) FROM pg_stat_activity;',
      ['pg_stat_activity'],
      result(['count']),
      'the pools: 2 of max 2',
    );
    expect(count).toMatchObject({
      status: 'inaccurate',
      observed: expect.stringMatching(/counts every session of the server.*; the pools: 2 of max 2$/),
    });
    const own = judgeLabel(
      stepAt(137),
      "SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE 'chat-backend/%'",
      ['pg_stat_activity'],
      result(['count']),
    );
    expect(own?.status).toBe('ok');
  });

  it('binds only queries on the server’s own views: "Slow query" above a query on messages names the query itself', () => {
    expect(judgeLabel(stepAt(465), stepAt(465).text, ['messages'], result(['id']))).toBeUndefined();
  });
});

describe('coverage', () => {
  const coverage = (line: number) => coverageOf(runbookOf(line), stepAt(line), changesState);
  it('finds the checks whose findings no procedure handles', () => {
    expect(coverage(786)).toMatchObject({
      covered: false,
      subject: "Check for orphaned messages (conversation doesn't exist)",
    });
    expect(coverage(786)!.procedures).toEqual(
      expect.arrayContaining(['Scenario A: Duplicate Messages', 'Scenario B: Missing Messages']),
    );
    expect(coverage(449)).toMatchObject({ covered: false });
  });

  it('passes the checks that lead to a procedure or a branch', () => {
    expect(coverage(780)).toMatchObject({ covered: true, by: '"Scenario A: Duplicate Messages"' });
    expect(coverage(423)).toMatchObject({ covered: true, by: '"Scenario A: Missing Index"' });
    expect(coverage(137)).toMatchObject({
      covered: true,
      by: expect.stringMatching(/^its block's branch "If >80%/),
    });
    expect(coverage(73)).toMatchObject({
      covered: true,
      by: expect.stringMatching(/^its block's branch "If 5xx/),
    });
  });

  it('leaves alone steps that look for nothing, confirm a fix, or sit in a procedure', () => {
    // "CPU usage" names what a query shows (labels judge that), not a problem it looks for.
    expect(coverage(443)).toBeUndefined();
    expect(coverage(478)).toBeUndefined();
    expect(coverage(492)).toBeUndefined();
  });
});

describe('when a setting applies', () => {
  it('reads the change from the statement', () => {
    expect(settingChangesOf("ALTER DATABASE chatdb SET statement_timeout = '30s';")).toEqual([
      { scope: 'database', target: 'chatdb', name: 'statement_timeout', value: '30s' },
    ]);
    expect(settingChangesOf('ALTER SYSTEM SET max_connections = 200; SELECT pg_reload_conf();')).toEqual([
      { scope: 'system', name: 'max_connections', value: '200' },
    ]);
    expect(settingChangesOf("SET statement_timeout = '5s'")[0]).toMatchObject({ scope: 'session' });
    expect(settingChangesOf('ALTER ROLE chatuser RESET work_mem')).toEqual([
      { scope: 'role', target: 'chatuser', name: 'work_mem' },
    ]);
  });

  it('follows pg_settings.context and the way the change was made', () => {
    expect(whenItApplies('system', 'postmaster').takesEffect).toBe('restart');
    expect(whenItApplies('system', 'sighup').takesEffect).toBe('reload');
    expect(whenItApplies('system', 'user').takesEffect).toBe('reload');
    expect(whenItApplies('system', 'backend').takesEffect).toBe('new-sessions');
    expect(whenItApplies('database', 'user').takesEffect).toBe('new-sessions');
    expect(whenItApplies('role', 'postmaster').takesEffect).toBe('never');
    expect(whenItApplies('session', 'user').takesEffect).toBe('this-session');
  });

  it('judges a parameter change by pending_restart: immediate is not possible for a static one', () => {
    const before = {
      name: 'max_connections',
      setting: '100',
      unit: null,
      context: 'postmaster',
      pendingRestart: false,
    };
    const judgedChange = judgeParameter(
      { name: 'max_connections', value: '200', applyMethod: 'immediate' },
      before,
      { ...before, pendingRestart: true },
    );
    expect(judgedChange.status).toBe('inaccurate');
    expect(judgedChange.observed).toMatch(
      /still 100 and pending_restart is true.*ApplyMethod=immediate cannot be used/,
    );
    expect(judgedChange.worked).toMatchObject({ kind: 'setting', takesEffect: 'restart' });
    const sighup = {
      name: 'idle_in_transaction_session_timeout',
      setting: '0',
      unit: 'ms',
      context: 'user',
      pendingRestart: false,
    };
    expect(
      judgeParameter({ name: sighup.name, value: '10s' }, sighup, { ...sighup, setting: '10000' }).status,
    ).toBe('ok');
  });
});

describe("the runbook's own numbers", () => {
  it('reads the connection numbers each step writes, and the largest the document writes', () => {
    expect(numbersOf(stepAt(171))).toEqual({ pool: 50 });
    expect(numbersOf(stepAt(334))).toEqual({ replicas: 10 });
    expect(numbersOf(stepAt(517))).toEqual({ maxConnections: 200 });
    expect(documentNumbers(shared)).toEqual({
      pool: { value: 50, line: 171 },
      replicas: { value: 10, line: 334 },
      maxConnections: { value: 200, line: 517 },
    });
  });

  const live = {
    pool: { live: 20 },
    replicas: { live: 2 },
    maxConnections: { live: 100, reserved: 3 },
    others: 4,
  };
  it('judges a pool size as written against the runbook’s own pods and raised limit, and says what was carried out', () => {
    const { judgement, worked } = judgeConnectionBudget(
      171,
      {
        ...live,
        pool: { written: { value: 50, line: 171 }, live: 20 },
        replicas: { written: { value: 10, line: 334 }, live: 2 },
        maxConnections: { written: { value: 200, line: 517 }, live: 100, reserved: 3 },
      },
      { pool: 50, replicas: 2 },
    );
    expect(judgement.status).toBe('inaccurate');
    expect(judgement.observed).toMatch(
      /as written: 10 pods \(line 334\) × a pool of 50 \(this step\) \+ 4 other session\(s\) open now = up to 504 connections, against the 97 this database accepts .* and 197 after the runbook raises max_connections to 200 \(line 517\)/,
    );
    expect(judgement.observed).toMatch(/carried out here: 2 replica\(s\) × 50 \+ 4 = up to 104 of 97/);
    expect(worked).toEqual({
      kind: 'number',
      name: 'DATABASE_POOL_MAX',
      written: 50,
      limit: 19,
      detail: 'a pool of at most 19 per pod fits 10 pods in 197 connections',
    });
  });

  it('passes numbers that fit, even at the runbook’s scale', () => {
    const { judgement } = judgeConnectionBudget(
      9,
      {
        ...live,
        pool: { written: { value: 8, line: 9 }, live: 20 },
        replicas: { written: { value: 10, line: 4 }, live: 2 },
      },
      { pool: 8, replicas: 2 },
    );
    expect(judgement).toMatchObject({
      status: 'ok',
      observed: expect.stringMatching(/= up to 84 connections, against the 97 .*: it fits/),
    });
  });
});

describe("a command's output", () => {
  const run = (overrides: Partial<ShellRun>): ShellRun => ({
    command: 'x',
    substitutions: [],
    exitCode: 0,
    stdout: '',
    stderr: '',
    calls: [],
    durationMs: 10,
    timedOut: false,
    ...overrides,
  });

  it('holds the comments after a command against what it printed', () => {
    const status = { ...stepAt(100) };
    expect(
      judgeExpectations(
        status,
        run({ stdout: 'deployment "chat-backend" successfully rolled out (revision 3)\n' }),
      ),
    ).toEqual([expect.objectContaining({ rule: 'expectation', status: 'ok' })]);
    expect(
      judgeExpectations(
        status,
        run({ stdout: 'Waiting for deployment "chat-backend" rollout to finish\n' }),
      )[0]!.status,
    ).toBe('inaccurate');
    const pods = 'NAME   READY   STATUS\nchat-backend-1   1/1   Running\nchat-backend-2   0/1   NotReady\n';
    expect(judgeExpectations(stepAt(664), run({ stdout: pods }))[0]).toMatchObject({
      status: 'inaccurate',
      observed: expect.stringMatching(/1 of 2 rows do not say it/),
    });
    const health = run({
      stdout: '{"status":"ok"}',
      calls: [{ tool: 'curl', args: [], exit: 0, httpStatus: 200 }],
    });
    expect(judgeExpectations(stepAt(73), health)[0]).toMatchObject({
      status: 'ok',
      observed: expect.stringMatching(/^HTTP 200, as "Expected: 200 OK" says/),
    });
  });

  it('is judged like a query: the fault shown, a grep that finds nothing, a missing endpoint, a person’s tool', () => {
    const evidence = [{ values: ['1.5.0'], description: 'release 1.5.0, the deploy' }];
    const history = run({
      command: 'kubectl rollout history | tail -5',
      stdout: 'REVISION RELEASE\n1 1.4.2\n2 1.5.0 deploy release 1.5.0\n',
    });
    expect(
      judgeShellRun(stepAt(82), history, { evidence, moment: 'during-fault', own: false })[0],
    ).toMatchObject({
      status: 'ok',
      observed: expect.stringMatching(/showing release 1\.5\.0, the deploy: 2 1\.5\.0/),
    });
    const silent = run({
      command: 'kubectl logs deployment/chat-backend | grep "breaker tripped"',
      exitCode: 1,
      calls: [{ tool: 'kubectl', args: [], exit: 0 }],
    });
    expect(judgeShellRun(stepAt(598), silent, { evidence, moment: 'during-fault', own: false })).toEqual([
      {
        rule: 'shows-fault',
        status: 'inaccurate',
        observed: 'no line of the backend logs matches during the fault',
      },
    ]);
    const missing = run({
      calls: [{ tool: 'curl', args: [], exit: 0, httpStatus: 404, path: '/api/v1/health/db' }],
    });
    expect(
      judgeShellRun(stepAt(73), missing, { evidence, moment: 'during-fault', own: false })[0],
    ).toMatchObject({ status: 'broken', observed: '/api/v1/health/db does not exist (404)' });
    const exec = run({
      exitCode: 1,
      calls: [{ tool: 'kubectl', args: [], exit: 1, unsupported: 'kubectl exec: no equivalent' }],
    });
    expect(
      judgeShellRun(stepAt(275), exec, { evidence, moment: 'during-fault', own: false })[0]!.status,
    ).toBe('manual');
    const stillBad = run({ stdout: '{"release":"1.5.0"}' });
    expect(judgeShellRun(stepAt(73), stillBad, { evidence, moment: 'after-fix', own: true })[0]!.status).toBe(
      'inaccurate',
    );
  });
});
