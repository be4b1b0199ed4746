import { withDatabase } from '../stack/database-session.ts';
import { type RunbookStep, sqlOf } from './steps.ts';

export interface FixRun {
  /** Each statement as PostgreSQL answered it, in order. */
  statements: { line: number; sql: string; error?: string; rows: number }[];
  durationMs: number;
}

/** How long one statement of a fix may run: an index build on a large table takes a while. */
const STATEMENT_LIMIT = '120s';

/**
 * Runs a runbook's fix exactly as written, the way a responder's psql session would: one session,
 * each statement sent on its own, autocommit unless the fix opens a transaction, and (psql's default)
 * on to the next statement after an error. Nothing is rolled back: this is the fix, not a probe.
 */
export async function runFixAsWritten(url: string, statements: readonly RunbookStep[]): Promise<FixRun> {
  const started = Date.now();
  const ran: FixRun['statements'] = [];
  await withDatabase(url, async (client) => {
    await client.query(`SET statement_timeout = '${STATEMENT_LIMIT}'`);
    for (const step of statements) {
      const sql = sqlOf(step)!;
      try {
        const result = await client.query(sql);
        ran.push({ line: step.line, sql, rows: result.rowCount ?? result.rows?.length ?? 0 });
      } catch (error) {
        ran.push({ line: step.line, sql, rows: 0, error: (error as Error).message });
      }
    }
    // A transaction the fix left open (an error before its COMMIT) ends with the session, as in psql.
  });
  return { statements: ran, durationMs: Date.now() - started };
}

/** The first statement PostgreSQL refused, if any. */
export function firstError(run: FixRun): FixRun['statements'][number] | undefined {
  return run.statements.find((statement) => statement.error !== undefined);
}
