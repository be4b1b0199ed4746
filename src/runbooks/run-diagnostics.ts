import type pg from 'pg';
import { withDatabase } from '../stack/database-session.ts';
import { checkSql, loadSqlParser, type SqlSchema } from './sql-check.ts';
import type { RunbookStep } from './steps.ts';

/** What the harness knows independently about the live fault, that a good diagnostic should show. */
export interface Evidence {
  /** Values a result cell may equal or contain: a pid, a message_id, "Seq Scan on messages". */
  values: string[];
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

/** Sections whose queries every incident of the runbook goes through (triage, damage assessment). */
const GENERAL_SECTION = /immediate|identify|assess|diagnos|investigat|check/i;

/** The runbook's diagnostic SQL that applies to a scenario: its triage plus its own procedure's. */
export function diagnosticSteps(steps: RunbookStep[], procedure: string | undefined): RunbookStep[] {
  return steps.filter((step) => {
    if (step.kind !== 'sql' && !step.sql) return false;
    return isOwn(step, procedure) || GENERAL_SECTION.test(step.section);
  });
}

function isOwn(step: RunbookStep, procedure: string | undefined): boolean {
  return procedure !== undefined && step.section.toLowerCase().startsWith(procedure.toLowerCase());
}

/** Whom `pg_blocking_pids()` says blocks someone now: the ground truth a lock query must agree with. */
export async function blockerEvidence(url: string): Promise<Evidence | undefined> {
  return withDatabase(url, async (client) => {
    const { rows } = await client.query<{ pid: number }>(
      'SELECT DISTINCT unnest(pg_blocking_pids(pid)) AS pid FROM pg_stat_activity',
    );
    if (rows.length === 0) return undefined;
    const pids = rows.map((row) => String(row.pid));
    return { values: pids, description: `pid ${pids.join(', ')}, blocking others (pg_blocking_pids)` };
  });
}

function cells(rows: Record<string, unknown>[]): string[] {
  return rows.flatMap((row) => Object.values(row).map((value) => (value === null ? '' : String(value))));
}

async function runReadOnly(client: pg.Client, sql: string): Promise<Record<string, unknown>[]> {
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
  await withDatabase(options.url, async (client) => {
    for (const step of options.steps) {
      const sql = step.kind === 'sql' ? step.text : step.sql!;
      const base = {
        runbook: options.runbook,
        scenario: options.scenario,
        line: step.line,
        step: sql,
        expected,
      };
      if (!checkSql(sql, options.schema).readOnly) continue;
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
      const values = cells(rows);
      const shown = options.evidence.filter((evidence) =>
        // Short values (a pid) must match a whole cell; long ones (a plan line) may sit inside one.
        evidence.values.some((value) =>
          values.some((cell) => cell === value || (value.length >= 8 && cell.includes(value))),
        ),
      );
      const own = isOwn(step, options.procedure);
      if (shown.length > 0) {
        checks.push({
          ...base,
          status: 'ok',
          seen: `${rows.length} row(s), showing ${shown.map((e) => e.description).join('; ')}`,
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
  return checks;
}
