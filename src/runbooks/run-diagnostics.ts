import type pg from 'pg';
import { withDatabase } from '../stack/database-session.ts';
import { coverageOf } from './coverage.ts';
import { judgeLabel, type QueryResult } from './judge-label.ts';
import type { ParsedRunbook } from './parse-runbook.ts';
import { concernsScenario, inProcedure } from './procedure-section.ts';
import { checkSql, loadSqlParser, type SqlSchema } from './sql-check/index.ts';
import { changesState, type RunbookStep, sqlOf } from './steps.ts';
import { type Judgement, type RunbookCheck, verdictOf, type WhatWorked } from './verdicts.ts';

/** What the harness knows independently about the live fault, that a good diagnostic should show. */
export interface Evidence {
  /**
   * What a result cell (or the query's plan) may equal or contain: a pid, a message_id, "Seq Scan on
   * messages"; or a pattern it matches (the text of the queries a dropped index served).
   */
  values: (string | RegExp)[];
  /**
   * Result columns (by name) that must name only these values: a lock query whose "blocking_pid"
   * lists sessions that block nobody sends the responder to terminate the wrong one.
   */
  column?: RegExp;
  /** What they are, for the report: "pid 4242, the session holding the lock (pg_blocking_pids)". */
  description: string;
  /** The harness's own query that found them, when it used one (what worked, for the report). */
  query?: string;
}

const TRANSACTION_CONTROL = /^(begin|start\s+transaction|commit|rollback|end)\b/i;
/** A check that confirms a fix ("Verify query now fast"): it runs once the fix is in, not during the fault. */
export const VERIFYING_LABEL = /\b(verify|confirm)\b/i;

/** The runbook's diagnostic SQL that applies to a scenario (see `concernsScenario`). */
export function diagnosticSteps(steps: RunbookStep[], procedure: string | undefined): RunbookStep[] {
  return steps.filter((step) => {
    if (step.kind !== 'sql' && !step.sql) return false;
    // BEGIN / COMMIT frame a fix; inside the probe's own rolled-back transaction they mean nothing.
    if (TRANSACTION_CONTROL.test((step.sql ?? step.text).trim())) return false;
    return concernsScenario(step.section, procedure);
  });
}

/** A step of the scenario's own procedure that confirms the fix: tried after it, not during the fault. */
export function confirmsFix(step: RunbookStep, procedure: string | undefined): boolean {
  return inProcedure(step.section, procedure) && VERIFYING_LABEL.test(step.comment ?? step.label ?? '');
}

const BLOCKERS_SQL = 'SELECT DISTINCT unnest(pg_blocking_pids(pid)) AS blocking_pid FROM pg_stat_activity';

/** Whom `pg_blocking_pids()` says blocks someone now: the ground truth a lock query must agree with. */
export async function blockerEvidence(url: string): Promise<Evidence | undefined> {
  return withDatabase(url, async (client) => {
    const { rows } = await client.query<{ blocking_pid: number }>(BLOCKERS_SQL);
    if (rows.length === 0) return undefined;
    const pids = rows.map((row) => String(row.blocking_pid));
    return {
      values: pids,
      column: /block(ing|er)_?pid|pid_?block(ing|er)/i,
      description: `pid ${pids.join(', ')}, blocking others (pg_blocking_pids)`,
      query: BLOCKERS_SQL,
    };
  });
}

/** The evidence a set of cells shows. Short values (a pid) must match a whole cell; long ones may sit inside one. */
export function showing(evidence: Evidence[], values: string[]): Evidence[] {
  return evidence.filter((known) =>
    known.values.some((value) =>
      typeof value === 'string'
        ? values.some((cell) => cell === value || (value.length >= 8 && cell.includes(value)))
        : values.some((cell) => value.test(cell)),
    ),
  );
}

/** A column that must name only the known culprits but names others too, described; else undefined. */
function misnamed(evidence: Evidence[], rows: Record<string, unknown>[]): string | undefined {
  for (const known of evidence) {
    if (!known.column) continue;
    for (const key of Object.keys(rows[0] ?? {}).filter((name) => known.column!.test(name))) {
      const named = [...new Set(rows.map((row) => String(row[key])))];
      const innocent = named.filter((value) => !known.values.includes(value));
      if (innocent.length === 0) continue;
      const listed = innocent.slice(0, 5).join(', ') + (innocent.length > 5 ? ', …' : '');
      return `column ${key} names ${named.length} session(s), ${innocent.length} of which block nobody (${listed}); ${known.description}`;
    }
  }
  return undefined;
}

async function planOf(client: pg.Client, sql: string): Promise<string[]> {
  try {
    return cells((await runReadOnly(client, `EXPLAIN ${sql.replace(/;\s*$/, '')}`)).rows);
  } catch {
    return [];
  }
}

/** Every value of every row as text (null as empty), as evidence is looked for in a result. */
export function cells(rows: Record<string, unknown>[]): string[] {
  return rows.flatMap((row) => Object.values(row).map((value) => (value === null ? '' : String(value))));
}

/** The first row, as the report shows it: "count = 27", "cache_hit_ratio = 0.981". */
function firstRow(rows: Record<string, unknown>[]): string {
  const row = rows[0];
  if (!row) return 'no row';
  const shown = Object.entries(row)
    .slice(0, 6)
    .map(([key, value]) => `${key} = ${value === null ? 'null' : String(value).slice(0, 40)}`);
  return `${shown.join(', ')}${Object.keys(row).length > 6 ? ', …' : ''}`;
}

/** How long a diagnostic may run: a responder's query that takes longer is no help mid-incident. */
const DIAGNOSTIC_LIMIT = '5s';
/** PostgreSQL's SQLSTATE for a statement cancelled by statement_timeout. */
const QUERY_CANCELED = '57014';

/** Runs a query as written inside a read-only transaction that is rolled back, with a time limit. */
export async function runReadOnly(client: pg.Client, sql: string): Promise<QueryResult> {
  await client.query('BEGIN READ ONLY');
  try {
    await client.query(`SET LOCAL statement_timeout = '${DIAGNOSTIC_LIMIT}'`);
    const result = await client.query(sql);
    const results = (Array.isArray(result) ? result : [result]) as pg.QueryResult[];
    return {
      rows: results.flatMap((one) => one.rows ?? []),
      columns: results.at(-1)?.fields?.map((field) => field.name) ?? [],
    };
  } finally {
    await client.query('ROLLBACK').catch(() => undefined);
  }
}

/** `EXPLAIN ANALYZE …` / `EXPLAIN (ANALYZE, BUFFERS) …` without running it: `EXPLAIN …`; else undefined. */
export function planOnly(sql: string): string | undefined {
  const match = /^\s*explain\s+(?:\(([^)]*)\)|analy[sz]e\b)\s*/i.exec(sql);
  if (!match || (match[1] !== undefined && !/\banaly[sz]e\b/i.test(match[1]))) return undefined;
  return `EXPLAIN ${sql.slice(match[0].length)}`;
}

/**
 * A step as written: its result, or, when our time limit cancelled it during the fault (the fault makes
 * it that slow), what can still be read: an EXPLAIN ANALYZE's plan without running it, which is what
 * the step is read for; a query's plan alone (`unread`: its rows were never seen), judged in
 * duringFault. Neither is broken: the SQL is right and the slowness is the incident.
 */
async function runStep(
  client: pg.Client,
  sql: string,
  moment: DiagnosticMoment,
): Promise<{ result: QueryResult; cancelled?: Judgement; unread?: boolean }> {
  try {
    return { result: await runReadOnly(client, sql) };
  } catch (error) {
    if ((error as { code?: string }).code !== QUERY_CANCELED) throw error;
    const plan = planOnly(sql);
    if (plan !== undefined)
      return {
        result: await runReadOnly(client, plan),
        cancelled: {
          rule: 'runs',
          status: 'ok',
          observed: `ran past the ${DIAGNOSTIC_LIMIT} limit during the fault (the query it times is that slow); judged by its plan, EXPLAIN without ANALYZE`,
        },
      };
    // After the fix a query that still runs that long is the fix not working: that stays an error.
    if (moment !== 'during-fault' || !/^\s*(select|with)\b/i.test(sql)) throw error;
    return {
      result: { columns: [], rows: [] },
      unread: true,
      cancelled: {
        rule: 'runs',
        status: 'ok',
        observed: `ran past the ${DIAGNOSTIC_LIMIT} limit during the fault (the fault makes it that slow); judged by its plan`,
      },
    };
  }
}

/** Where the diagnostic runs: during the live fault, or once the fix is in (a step confirming it). */
export type DiagnosticMoment = 'during-fault' | 'after-fix';

/**
 * Runs each read-only diagnostic step as written, in a read-only transaction that is rolled back and
 * with a time limit, and judges it. During the fault: does its result show what the harness knows
 * about the fault (a list that misses the culprit is inaccurate), does it contain what its label says
 * ("CPU usage", "Check connection pool"), and does a procedure handle what it finds? A summary row is
 * context and passes with its values named; a check of another incident's kind that finds nothing
 * passes with what the harness knows instead. After the fix: the fault must no longer show. A query
 * that fails is broken. Steps that change state are fixes, not diagnostics, and are left alone here.
 */
export async function runDiagnostics(options: {
  url: string;
  runbook: ParsedRunbook;
  scenario: string;
  /** The scenario's procedure: its own section's queries must find the fault. */
  procedure?: string;
  steps: RunbookStep[];
  evidence: Evidence[];
  schema: SqlSchema;
  moment?: DiagnosticMoment;
  /** What the backend's pools look like now, for a label about the connection pool. */
  poolState?: string;
  /** What the harness knows is not happening ("no session waits for a lock"), for checks that find nothing. */
  absent?: string[];
}): Promise<RunbookCheck[]> {
  await loadSqlParser();
  const moment = options.moment ?? 'during-fault';
  const checks: RunbookCheck[] = [];
  const expected =
    moment === 'after-fix'
      ? `after the fix, none of: ${options.evidence.map((e) => e.description).join('; ') || 'the fault'}`
      : options.evidence.length > 0
        ? options.evidence.map((e) => e.description).join('; ')
        : 'nothing specific';
  const probes = options.steps.filter((step) => checkSql(sqlOf(step)!, options.schema).readOnly);
  const baseOf = (step: RunbookStep) => ({ line: step.line, step: sqlOf(step)!, expected });
  const add = (step: RunbookStep, judgements: Judgement[]) =>
    checks.push({
      runbook: options.runbook.number,
      scenario: options.scenario,
      ...verdictOf(baseOf(step), judgements),
    });
  const shownBy: { step: RunbookStep; shown: string }[] = [];
  try {
    await withDatabase(options.url, async (client) => {
      for (const step of probes) {
        const sql = sqlOf(step)!;
        let result: QueryResult;
        let cancelled: Judgement | undefined;
        let unread: boolean | undefined;
        try {
          ({ result, cancelled, unread } = await runStep(client, sql, moment));
        } catch (error) {
          add(step, [
            {
              rule: 'runs',
              status: 'broken',
              observed: `PostgreSQL refused it: ${(error as Error).message}`,
            },
          ]);
          continue;
        }
        const judgements =
          moment === 'after-fix'
            ? await afterFix(client, sql, result, options.evidence)
            : await duringFault(client, step, sql, result, { ...options, unread });
        if (cancelled) judgements.push(cancelled);
        // Rows never seen say nothing of what the label promises or whether a procedure follows them up.
        const judged = moment === 'during-fault' && !unread;
        const label = judgeLabel(step, sql, checkSql(sql, options.schema).tables, result, options.poolState);
        if (label && judged) judgements.push(label);
        const coverage = judged && coverageJudgement(options.runbook, step, result);
        if (coverage) judgements.push(coverage);
        const showed = judgements.find(
          (j) => j.rule === 'shows-fault' && j.status === 'ok' && /showing|plan shows/.test(j.observed),
        );
        if (showed) shownBy.push({ step, shown: showed.observed });
        add(step, judgements);
      }
    });
  } catch (error) {
    // No session at all: during a database outage that is what the query shows; otherwise it is broken.
    const message = (error as Error).message;
    const outage = showing(options.evidence, [message]);
    for (const step of probes.filter((probe) => !checks.some((check) => check.line === probe.line))) {
      add(step, [
        {
          rule: 'shows-fault',
          status: outage.length > 0 ? 'ok' : 'broken',
          observed: `could not connect (${message})${outage.length > 0 ? `: ${outage[0]!.description}` : ''}`,
        },
      ]);
    }
  }
  return withWhatWorked(checks, shownBy, options.evidence);
}

async function duringFault(
  client: pg.Client,
  step: RunbookStep,
  sql: string,
  { rows }: QueryResult,
  options: { procedure?: string; evidence: Evidence[]; absent?: string[]; unread?: boolean },
): Promise<Judgement[]> {
  const { evidence } = options;
  if (options.unread) {
    const inPlan = showing(evidence, await planOf(client, sql));
    return [
      inPlan.length > 0
        ? {
            rule: 'shows-fault',
            status: 'ok',
            observed: `its plan shows ${inPlan.map((e) => e.description).join('; ')}`,
          }
        : {
            rule: 'shows-fault',
            status: 'inaccurate',
            observed: 'too slow to read during the fault, and its plan shows none of it',
          },
    ];
  }
  const wrong = misnamed(evidence, rows);
  if (wrong)
    return [{ rule: 'shows-fault', status: 'inaccurate', observed: `${rows.length} row(s): ${wrong}` }];
  const shown = showing(evidence, cells(rows));
  // A query on the application's tables ("the slow query") shows a missing index in its plan.
  const plan = shown.length === 0 && /^\s*(select|with)\b/i.test(sql) ? await planOf(client, sql) : [];
  const inPlan = showing(evidence, plan);
  const own = inProcedure(step.section, options.procedure);
  if (shown.length > 0 || inPlan.length > 0) {
    const what = (shown.length > 0 ? shown : inPlan).map((e) => e.description).join('; ');
    return [
      {
        rule: 'shows-fault',
        status: 'ok',
        observed: `${rows.length} row(s), ${shown.length > 0 ? 'showing' : 'and its plan shows'} ${what}`,
      },
    ];
  }
  if (rows.length === 1 || evidence.length === 0) {
    return [
      {
        rule: 'shows-fault',
        status: 'ok',
        observed: `${rows.length} row(s) (${firstRow(rows)}): a summary, context rather than a pointer to the fault`,
      },
    ];
  }
  if (rows.length === 0 && !own) {
    // A triage check that finds nothing is right when the incident is of another kind (no orphans
    // during a duplicates incident); the procedure's own queries must find the fault.
    const known = options.absent?.length ? `; the harness agrees: ${options.absent.join('; ')}` : '';
    return [
      {
        rule: 'shows-fault',
        status: 'ok',
        observed: `nothing found: not what this incident is about (it is: ${evidence.map((e) => e.description).join('; ')})${known}`,
      },
    ];
  }
  return [{ rule: 'shows-fault', status: 'inaccurate', observed: `${rows.length} row(s), none showing it` }];
}

/** Once the fix is in, a check that confirms it must no longer show the fault. */
async function afterFix(
  client: pg.Client,
  sql: string,
  { rows }: QueryResult,
  evidence: Evidence[],
): Promise<Judgement[]> {
  const plan = /^\s*(select|with)\b/i.test(sql) ? await planOf(client, sql) : [];
  const still = showing(evidence, [...cells(rows), ...plan]);
  if (still.length > 0)
    return [
      {
        rule: 'shows-fault',
        status: 'inaccurate',
        observed: `after the fix it still shows ${still.map((e) => e.description).join('; ')}: it cannot tell fixed from broken`,
      },
    ];
  const planLine = cells(rows).find((cell) => /\b(Index|Seq) Scan\b/.test(cell));
  return [
    {
      rule: 'shows-fault',
      status: 'ok',
      observed: `after the fix, ${rows.length} row(s)${planLine ? ` (${planLine.trim().slice(0, 90)})` : ''}, none of the fault (${evidence.map((e) => e.description).join('; ') || 'nothing known'})`,
    },
  ];
}

/** A check with no procedure for what it finds is a finding, whatever it found this time. */
function coverageJudgement(
  runbook: ParsedRunbook,
  step: RunbookStep,
  { rows }: QueryResult,
): Judgement | undefined {
  const coverage = coverageOf(runbook, step, changesState);
  if (!coverage || coverage.covered) return undefined;
  const found = rows.length === 1 ? firstRow(rows) : `${rows.length} row(s)`;
  return {
    rule: 'coverage',
    status: 'inaccurate',
    observed: `it found ${found} and no procedure of runbook ${runbook.number} handles "${coverage.subject}" (its procedures: ${coverage.procedures.join('; ') || 'none'})`,
  };
}

/** For each step that missed: the runbook's other queries that showed the culprit, and the harness's own. */
function withWhatWorked(
  checks: RunbookCheck[],
  shownBy: { step: RunbookStep; shown: string }[],
  evidence: Evidence[],
): RunbookCheck[] {
  return checks.map((check) => {
    if (check.status !== 'inaccurate' && check.status !== 'broken') return check;
    const worked: WhatWorked[] = [
      ...shownBy
        .filter((other) => other.step.line !== check.line)
        .map((other) => ({
          kind: 'query' as const,
          sql: sqlOf(other.step)!,
          line: other.step.line,
          showed: other.shown,
        })),
      ...evidence
        .filter((known) => known.query)
        .map((known) => ({ kind: 'query' as const, sql: known.query!, showed: known.description })),
    ];
    return worked.length > 0 ? { ...check, worked } : check;
  });
}
