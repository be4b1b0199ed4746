import { describe, expect, it } from 'vitest';
import { fixSummary, judgeRepairs } from '../../src/cli/runbook-fix-command.ts';
import type { RunbookCheck } from '../../src/engine/result.ts';
import { REMEDY_ACTIONS } from '../../src/remediation/registry.ts';
import { applyRepairs } from '../../src/runbooks/apply-repairs.ts';
import { judgeLabel, labelOf } from '../../src/runbooks/judge-label.ts';
import { parseRunbook, type RunbookDocument, readRunbook } from '../../src/runbooks/parse-runbook.ts';
import { planRepairs } from '../../src/runbooks/plan-repairs.ts';
import type { Judgement, WhatWorked } from '../../src/runbooks/verdicts.ts';

/**
 * What `gameday runbook fix` writes from `runbook verify`'s evidence. The checks here are shaped as
 * verify reports them; the live run that produces them, and the verification of the corrected copy,
 * are in test/engine/runbook-fix.test.ts.
 */
const SHARED = new URL('../../../shared/runbooks/incident-response-runbooks.md', import.meta.url);

function check(
  document: RunbookDocument,
  marker: string,
  scenario: string,
  judgements: Judgement[],
  worked: WhatWorked[] = [],
): RunbookCheck {
  const line = document.lines.findIndex((text) => text.trim().startsWith(marker)) + 1;
  if (line === 0) throw new Error(`"${marker}" is not in the runbook`);
  const status = judgements.some((j) => j.status === 'broken')
    ? 'broken'
    : judgements.some((j) => j.status === 'inaccurate')
      ? 'inaccurate'
      : 'ok';
  return {
    runbook: 3,
    scenario,
    line,
    step: document.lines[line - 1]!.trim(),
    status,
    expected: '',
    seen: judgements.map((j) => j.observed).join('; '),
    judgements,
    ...(worked.length > 0 ? { worked } : {}),
  };
}

const stepsOf = (document: RunbookDocument) => document.runbooks.flatMap((runbook) => runbook.steps);

describe('gameday runbook fix: the repairs', async () => {
  const shared = await readRunbook(SHARED);
  const createIndex = REMEDY_ACTIONS['create-index']!;
  const indexSql = createIndex.asSql!(
    createIndex.params.parse({
      name: 'idx_messages_user_id_created_at',
      table: 'messages',
      columns: 'user_id, created_at DESC',
    }),
  );

  it('moves CREATE INDEX CONCURRENTLY out of its transaction, leaving every other line as it was', () => {
    const broken = check(
      shared,
      'CREATE INDEX CONCURRENTLY idx_messages_user_id_created_at',
      'missing-index',
      [
        {
          rule: 'runs',
          status: 'broken',
          observed:
            'as written (lines 472–475), PostgreSQL refused line 473: CREATE INDEX CONCURRENTLY cannot run inside a transaction block',
        },
      ],
      [{ kind: 'harness-action', action: 'create-index', detail: 'index built in 12.0 s', sql: indexSql }],
    );
    const plan = planRepairs(shared, [broken]);
    expect(plan.notRepaired).toEqual([]);
    const [repair] = plan.repairs;
    expect(repair!.before.map((line) => line.trim())).toEqual([
      'BEGIN;',
      'CREATE INDEX CONCURRENTLY idx_messages_user_id_created_at',
      'ON messages(user_id, created_at DESC);',
      'COMMIT;',
    ]);
    expect(repair!.after[0]).toBe(indexSql);
    expect(repair!.after[1]).toMatch(
      /^-- gameday runbook fix: moved out of the transaction \(CREATE INDEX CONCURRENTLY cannot run inside a transaction block\)/,
    );
    const { lines, placed } = applyRepairs(shared.lines, plan.repairs);
    // Four lines became two: everything else is the same, in order.
    expect(lines.length).toBe(shared.lines.length - 2);
    expect([...lines.slice(0, repair!.line - 1), ...lines.slice(placed[0]!.fixedEndLine)]).toEqual([
      ...shared.lines.slice(0, repair!.line - 1),
      ...shared.lines.slice(repair!.endLine),
    ]);
    const fixed = parseRunbook(lines.join('\n'), 'fixed.md');
    const there = stepsOf(fixed).filter(
      (step) => step.line >= placed[0]!.fixedLine && step.line <= placed[0]!.fixedEndLine,
    );
    expect(there.map((step) => step.text)).toEqual([indexSql]);
    expect(
      stepsOf(fixed).some((step) => /^begin\b/i.test(step.text) && step.section.includes('Missing Index')),
    ).toBe(false);
  });

  it('replaces a placeholder with the statement that found and ended the blockers', () => {
    const terminate = REMEDY_ACTIONS['terminate-blockers']!;
    const sql = terminate.asSql!({});
    const broken = check(
      shared,
      'SELECT pg_terminate_backend(blocking_pid);',
      'lock-contention',
      [
        {
          rule: 'runs',
          status: 'broken',
          observed:
            'as written (line 504), PostgreSQL refused line 504: column "blocking_pid" does not exist',
        },
      ],
      [{ kind: 'harness-action', action: 'terminate-blockers', detail: 'terminated pid 1', sql }],
    );
    const { repairs } = planRepairs(shared, [broken]);
    expect(repairs[0]!.after[0]).toBe(sql);
    expect(repairs[0]!.why).toMatch(
      /column "blocking_pid" does not exist: written as the statement that worked during lock-contention/,
    );
  });

  it('rewrites a query that does not show what its label promises, and the label stays the same', () => {
    const cpu = check(shared, "SELECT * FROM pg_stat_database WHERE datname = 'chatdb';", 'runaway-query', [
      {
        rule: 'label',
        status: 'inaccurate',
        observed: '"CPU usage" promises CPU, but nothing in it measures CPU',
      },
    ]);
    const plan = planRepairs(shared, [cpu]);
    const { lines, placed } = applyRepairs(shared.lines, plan.repairs);
    // The block is bash-fenced: its note is a shell comment, as its other comments are.
    expect(lines[placed[0]!.fixedEndLine - 1]).toMatch(/^# gameday runbook fix: rewritten to show CPU/);
    const fixed = parseRunbook(lines.join('\n'), 'fixed.md');
    const step = stepsOf(fixed).find((candidate) => candidate.line === placed[0]!.fixedLine)!;
    expect(labelOf(step)).toBe('CPU usage');
    const judged = judgeLabel(step, step.text, ['pg_stat_activity'], {
      columns: ['pid', 'running_for', 'wait_event_type', 'wait_event', 'query'],
      rows: [],
    });
    expect(judged?.status).toBe('ok');
  });

  it("answers a query's label, not another incident's culprit its label is not about", () => {
    const judged = (extra: Judgement[]) =>
      planRepairs(shared, [
        check(shared, "SELECT * FROM pg_stat_database WHERE datname = 'chatdb';", 'bad-deploy', [
          { rule: 'label', status: 'inaccurate', observed: 'nothing in it measures CPU' },
          ...extra,
        ]),
      ]).repairs[0]!.answers;
    expect(judged([])).toEqual(['label']);
    // Shown the bad release or not, a CPU query is verified on showing CPU.
    expect(
      judged([{ rule: 'shows-fault', status: 'inaccurate', observed: 'does not show release 1.5.0' }]),
    ).toEqual(['label']);
  });

  it('rewrites the query inside psql -c, keeping the command', () => {
    const pool = check(
      shared,
      'psql -h db.internal -U chatuser -d chatdb -c "SELECT count(*) FROM pg_stat_activity;"',
      'pool-exhausted',
      [
        {
          rule: 'label',
          status: 'inaccurate',
          observed: '"Check connection pool" promises the application\'s connection pool',
        },
      ],
    );
    const [repair] = planRepairs(shared, [pool]).repairs;
    expect(repair!.after[0]).toMatch(
      /^psql -h db\.internal -U chatuser -d chatdb -c "SELECT application_name, state, count\(\*\)/,
    );
    expect(repair!.after[0]).toMatch(/;"$/);
  });

  it('gives a setting only new sessions get to the open ones too', () => {
    const setting = check(
      shared,
      "ALTER DATABASE chatdb SET statement_timeout = '30s';",
      'runaway-query',
      [{ rule: 'effect', status: 'inaccurate', observed: 'only new sessions get statement_timeout = 30s' }],
      [
        {
          kind: 'setting',
          name: 'statement_timeout',
          value: '30s',
          takesEffect: 'new-sessions',
          how: 'read at session start',
        },
      ],
    );
    const [repair] = planRepairs(shared, [setting]).repairs;
    expect(repair!.after.slice(0, 2)).toEqual([
      "ALTER SYSTEM SET statement_timeout = '30s';",
      'SELECT pg_reload_conf();',
    ]);
  });

  it("writes a bound claim's measured number, and its note makes no claim of its own", () => {
    const measured = (scenario: string, value: number) =>
      check(
        shared,
        '# Cache hit ratio (should be >99%)',
        scenario,
        [{ rule: 'claim', status: 'inaccurate', observed: `${value}` }],
        [{ kind: 'measured', quantity: '>99%', value, unit: 'ratio', claimed: 0.99 }],
      );
    const plan = planRepairs(shared, [measured('missing-index', 0.8006), measured('lock-contention', 0.981)]);
    const { lines, placed } = applyRepairs(shared.lines, plan.repairs);
    // The lowest measured value less 5 points of room, down to a multiple of 5: 80.1 % → ">75%".
    expect(lines[placed[0]!.fixedLine - 1]).toMatch(
      /^# Cache hit ratio \(should be >75%\) \(gameday runbook fix: was >99%, measured 80\.1 % to 98\.1 %/,
    );
    const fixed = parseRunbook(lines.join('\n'), 'fixed.md');
    const claims = fixed.runbooks
      .flatMap((runbook) => runbook.claims)
      .filter((claim) => claim.line === placed[0]!.fixedLine);
    expect(claims.map((claim) => [claim.quantity, claim.value])).toEqual([['>75%', 0.75]]);
    // A lower bound keeps room for the next run: 86.4 % is written ">80%", so 84.8 % next time holds.
    const drifting = planRepairs(shared, [measured('missing-index', 0.864)]);
    expect(drifting.repairs[0]!.after[0]).toMatch(
      /^# Cache hit ratio \(should be >80%\) \(gameday runbook fix: was >99%, measured 86\.4 %/,
    );
  });

  it('writes a recovery time as a bound with room for a slower run, not as a "usually"', () => {
    const breaker = check(
      shared,
      '# (usually 60 seconds after first successful request)',
      'database-outage',
      [{ rule: 'claim', status: 'inaccurate', observed: 'measured 106.9 s' }],
      [{ kind: 'measured', quantity: 'usually 60 seconds', value: 106_900, unit: 'ms', claimed: 60_000 }],
    );
    const { repairs } = planRepairs(shared, [breaker]);
    // 2.5× the 106.9 s measured, up to whole minutes: the next run's 48 s and 112 s both hold.
    expect(repairs[0]!.after[0]).toMatch(
      /^# \(within 5 minutes after first successful request\) \(gameday runbook fix: was usually 60 seconds, measured 106\.9 s/,
    );
    const { lines, placed } = applyRepairs(shared.lines, repairs);
    const claim = parseRunbook(lines.join('\n'), 'fixed.md')
      .runbooks.flatMap((runbook) => runbook.claims)
      .find((candidate) => candidate.line === placed[0]!.fixedLine);
    expect(claim).toMatchObject({ bound: 'at-most', value: 300_000 });
  });

  it('leaves what no one number or query can mend, saying why', () => {
    const size = (scenario: string, value: number) =>
      check(
        shared,
        '- Memory usage increasing (each connection consumes ~2 MB)',
        scenario,
        [{ rule: 'claim', status: 'inaccurate', observed: 'off' }],
        [{ kind: 'measured', quantity: '~2 MB', value, unit: 'bytes', claimed: 2 * 1024 ** 2 }],
      );
    const numbers = check(
      shared,
      'kubectl scale deployment/chat-backend --replicas=10 -n production',
      'connection-spike',
      [{ rule: 'numbers', status: 'inaccurate', observed: '10 pods × a pool of 50 exceed 197' }],
      [
        {
          kind: 'number',
          name: 'replicas',
          written: 10,
          limit: 3,
          detail: 'at most 3 pods with a pool of 50 fit in 197 connections',
        },
      ],
    );
    const orphans = check(shared, 'SELECT m.message_id', 'lost-messages', [
      { rule: 'coverage', status: 'inaccurate', observed: 'no procedure handles it' },
    ]);
    const plan = planRepairs(shared, [
      size('connection-storm-attack', 5_317),
      size('connection-spike', 195_135),
      numbers,
      orphans,
    ]);
    expect(plan.repairs).toEqual([]);
    expect(plan.notRepaired.map((left) => left.reason)).toEqual([
      expect.stringMatching(/no one number holds for every incident/),
      expect.stringMatching(/a capacity decision for a person/),
      expect.stringMatching(/a person must write that procedure/),
    ]);
  });

  it('touches nothing that was right everywhere', () => {
    const ok = check(shared, 'SELECT * FROM pg_locks WHERE NOT granted;', 'lock-contention', [
      { rule: 'label', status: 'ok', observed: 'its columns show lock contention' },
    ]);
    const plan = planRepairs(shared, [ok]);
    expect(plan).toEqual({ repairs: [], notRepaired: [] });
    expect(applyRepairs(shared.lines, plan.repairs).lines).toEqual(shared.lines);
  });

  it('counts a repair verified only when the corrected copy was tried there and nothing on its lines is wrong', () => {
    const placed = {
      line: 443,
      endLine: 443,
      checkLine: 443,
      before: ['x'],
      after: ['y', '# note'],
      why: 'w',
      answers: ['label' as const],
      scenarios: ['runaway-query'],
      triedIn: ['runaway-query'],
      fixedLine: 443,
      fixedEndLine: 444,
    };
    const at = (line: number, status: RunbookCheck['status']): RunbookCheck => ({
      runbook: 3,
      scenario: 'runaway-query',
      line,
      step: 'y',
      status,
      expected: '',
      seen: status,
      judgements: [{ rule: 'label', status, observed: status }],
    });
    expect(judgeRepairs([placed], [])[0]!.holds).toBe(false);
    expect(judgeRepairs([placed], [at(443, 'ok'), at(445, 'broken')])[0]!.holds).toBe(true);
    expect(judgeRepairs([placed], [at(443, 'ok'), at(444, 'inaccurate')])[0]!.holds).toBe(false);
  });

  it('verifies a repair on the rules it answers, and lists what other rules still find', () => {
    const placed = {
      line: 517,
      endLine: 517,
      checkLine: 517,
      before: ['x'],
      after: ['y', '# note'],
      why: 'w',
      answers: ['applies' as const],
      scenarios: ['connection-limit'],
      triedIn: ['connection-limit'],
      fixedLine: 517,
      fixedEndLine: 518,
    };
    const check = (judgements: RunbookCheck['judgements']): RunbookCheck => ({
      runbook: 3,
      scenario: 'connection-limit',
      line: 517,
      step: 'aws rds modify-db-parameter-group …',
      status: judgements.some((j) => j.status === 'inaccurate') ? 'inaccurate' : 'ok',
      expected: '',
      seen: judgements.map((j) => j.observed).join('; '),
      judgements,
    });
    const numbers = {
      rule: 'numbers' as const,
      status: 'inaccurate' as const,
      observed: '10 pods × 50 > 197',
    };
    // The step is still inaccurate, but on its numbers, which the repair does not answer: it holds.
    const [held] = judgeRepairs(
      [placed],
      [
        check([
          { rule: 'applies', status: 'ok', observed: 'pending-reboot: applied at the restart' },
          numbers,
        ]),
      ],
    );
    expect(held!.holds).toBe(true);
    expect(held!.beyond).toEqual([{ ...numbers, scenario: 'connection-limit' }]);
    // The summary lists it under the repair and counts it, so "1 verified" is not read as "now right".
    const said = fixSummary('/tmp/fixed.md', [held!], []);
    expect(said).toContain(
      '  not for this repair to mend: numbers inaccurate in connection-limit: 10 pods × 50 > 197',
    );
    expect(said).toMatch(
      /\n1 repaired, 1 verified, 0 not verified; 0 not repairable; 1 repaired line\(s\) still wrong by a rule no repair answers/,
    );
    // Still wrong on the rule it answers: it does not.
    const [failed] = judgeRepairs(
      [placed],
      [check([{ rule: 'applies', status: 'inaccurate', observed: 'still said to apply at once' }, numbers])],
    );
    expect(failed!.holds).toBe(false);
    expect(failed!.checks[0]!.seen).toBe('still said to apply at once');
    // Judged by none of the rules it answers: nothing proves it.
    expect(judgeRepairs([placed], [check([numbers])])[0]!.holds).toBe(false);
    // A statement that was refused is proven by running: a check without a `runs` failure is that.
    const refused = { ...placed, answers: ['runs' as const] };
    expect(judgeRepairs([refused], [check([numbers])])[0]!.holds).toBe(true);
    expect(
      judgeRepairs(
        [refused],
        [check([{ rule: 'runs', status: 'broken', observed: 'PostgreSQL refused it' }])],
      )[0]!.holds,
    ).toBe(false);
    expect(judgeRepairs([refused], [])[0]!.holds).toBe(false);
  });
});
