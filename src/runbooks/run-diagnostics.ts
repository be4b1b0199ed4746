import type pg from 'pg';
import { withDatabase } from '../stack/database-session.ts';
import { concernsScenario, inProcedure } from './procedure-section.ts';
import { checkSql, loadSqlParser, type SqlSchema } from './sql-check/index.ts';
import { type RunbookStep, sqlOf } from './steps.ts';

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
}

export interface DiagnosticCheck {
  runbook: number;
  scenario: string;
  line: number;
  step: string;
  status: 'ok' | 'inaccurate' | 'broken';
  expected: string;
  seen: string;
}

const TRANSACTION_CONTROL = /^(begin|start\s+transaction|commit|rollback|end)\b/i;

/** The runbook's diagnostic SQL that applies to a scenario (see `concernsScenario`). */
export function diagnosticSteps(steps: RunbookStep[], procedure: string | undefined): RunbookStep[] {
  return steps.filter((step) => {
    if (step.kind !== 'sql' && !step.sql) return false;
    // BEGIN / COMMIT frame a fix; inside the probe's own rolled-back transaction they mean nothing.
    if (TRANSACTION_CONTROL.test((step.sql ?? step.text).trim())) return false;
    return concernsScenario(step.section, procedure);
  });
}

/** Whom `pg_blocking_pids()` says blocks someone now: the ground truth a lock query must agree with. */
export async function blockerEvidence(url: string): Promise<Evidence | undefined> {
  return withDatabase(url, async (client) => {
    const { rows } = await client.query<{ pid: number }>(
      'SELECT DISTINCT unnest(pg_blocking_pids(pid)) AS pid FROM pg_stat_activity',
    );
    if (rows.length === 0) return undefined;
    const pids = rows.map((row) => String(row.pid));
    return {
      values: pids,
      column: /block(ing|er)_?pid|pid_?block(ing|er)/i,
      description: `pid ${pids.join(', ')}, blocking others (pg_blocking_pids)`,
    };
  });
}

/** The evidence a set of cells shows. Short values (a pid) must match a whole cell; long ones may sit inside one. */
function showing(evidence: Evidence[], values: string[]): Evidence[] {
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
    return cells(await runReadOnly(client, `EXPLAIN ${sql.replace(/;\s*$/, '')}`));
  } catch {
    return [];
  }
}

function cells(rows: Record<string, unknown>[]): string[] {
  return rows.flatMap((row) => Object.values(row).map((value) => (value === null ? '' : String(value))));
}

/** Runs a query as written inside a read-only transaction that is rolled back, with a time limit. */
export async function runReadOnly(client: pg.Client, sql: string): Promise<Record<string, unknown>[]> {
  await client.query('BEGIN READ ONLY');
  try {
    await client.query("SET LOCAL statement_timeout = '5s'");
    const result = await client.query(sql);
    const results = Array.isArray(result) ? result : [result];
    return results.flatMap((one: pg.QueryResult) => one.rows ?? []);
  } finally {
    await client.query('ROLLBACK').catch(() => undefined);
  }
}

/**
 * Runs each read-only diagnostic step as written, during the live fault, in a read-only transaction
 * that is rolled back and with a time limit, and judges it: does its result show what the harness
 * knows about the fault? A summary row (a ratio, database totals) is context and passes; a list that
 * misses the culprit is inaccurate; a query that fails is broken. Steps that change state are fixes,
 * not diagnostics, and are left alone here.
 */
export async function runDiagnostics(options: {
  url: string;
  runbook: number;
  scenario: string;
  /** The scenario's procedure: its own section's queries must find the fault. */
  procedure?: string;
  steps: RunbookStep[];
  evidence: Evidence[];
  schema: SqlSchema;
}): Promise<DiagnosticCheck[]> {
  await loadSqlParser();
  const checks: DiagnosticCheck[] = [];
  const expected =
    options.evidence.length > 0 ? options.evidence.map((e) => e.description).join('; ') : 'nothing specific';
  const probes = options.steps.filter((step) => checkSql(sqlOf(step)!, options.schema).readOnly);
  const baseOf = (step: RunbookStep) => ({
    runbook: options.runbook,
    scenario: options.scenario,
    line: step.line,
    step: sqlOf(step)!,
    expected,
  });
  try {
    await withDatabase(options.url, async (client) => {
      for (const step of probes) {
        const sql = sqlOf(step)!;
        const base = baseOf(step);
        let rows: Record<string, unknown>[];
        try {
          rows = await runReadOnly(client, sql);
        } catch (error) {
          checks.push({
            ...base,
            status: 'broken',
            seen: `PostgreSQL refused it: ${(error as Error).message}`,
          });
          continue;
        }
        const wrong = misnamed(options.evidence, rows);
        if (wrong) {
          checks.push({ ...base, status: 'inaccurate', seen: `${rows.length} row(s): ${wrong}` });
          continue;
        }
        const shown = showing(options.evidence, cells(rows));
        // A query on the application's tables ("the slow query") shows a missing index in its plan.
        const plan = shown.length === 0 && /^\s*(select|with)\b/i.test(sql) ? await planOf(client, sql) : [];
        const inPlan = showing(options.evidence, plan);
        const own = inProcedure(step.section, options.procedure);
        if (shown.length > 0 || inPlan.length > 0) {
          const what = (shown.length > 0 ? shown : inPlan).map((e) => e.description).join('; ');
          checks.push({
            ...base,
            status: 'ok',
            seen: `${rows.length} row(s), ${shown.length > 0 ? 'showing' : 'and its plan shows'} ${what}`,
          });
        } else if (rows.length === 1 || options.evidence.length === 0) {
          checks.push({
            ...base,
            status: 'ok',
            seen: `${rows.length} row(s): a summary, context rather than a pointer to the fault`,
          });
        } else if (rows.length === 0 && !own) {
          // A triage check that finds nothing is right when the incident is of another kind (no orphans
          // during a duplicates incident); the procedure's own queries must find the fault.
          checks.push({ ...base, status: 'ok', seen: 'nothing found: not what this incident is about' });
        } else {
          checks.push({ ...base, status: 'inaccurate', seen: `${rows.length} row(s), none showing it` });
        }
      }
    });
  } catch (error) {
    // No session at all: during a database outage that is what the query shows; otherwise it is broken.
    const message = (error as Error).message;
    const outage = showing(options.evidence, [message]);
    for (const step of probes.slice(checks.length)) {
      checks.push({
        ...baseOf(step),
        status: outage.length > 0 ? 'ok' : 'broken',
        seen: `could not connect (${message})${outage.length > 0 ? `: ${outage[0]!.description}` : ''}`,
      });
    }
  }
  return checks;
}
