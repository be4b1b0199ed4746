import pg from 'pg';

export type ServerOutcome =
  | { ok: true }
  /** `line`/`column` only when the server gave a position (it does not for every error). */
  | { ok: false; message: string; line?: number; column?: number };

/**
 * What PostgreSQL itself says of a SQL text: sent as one simple query (the server splits it into its
 * statements), inside a transaction that is rolled back so the test database is left as it was. An
 * error comes with its line and column in `sql`, for comparison with the checker's findings.
 */
export async function runOnServer(
  url: string,
  sql: string,
  { transaction = true }: { transaction?: boolean } = {},
): Promise<ServerOutcome> {
  const client = new pg.Client({ connectionString: url, options: '-c statement_timeout=10000' });
  await client.connect();
  try {
    if (transaction) await client.query('BEGIN');
    await client.query(sql);
    return { ok: true };
  } catch (error) {
    const { message, position } = error as { message: string; position?: string };
    if (position === undefined) return { ok: false, message };
    const before = [...sql].slice(0, Number(position) - 1).join('');
    const lines = before.split('\n');
    return { ok: false, message, line: lines.length, column: [...lines[lines.length - 1]!].length + 1 };
  } finally {
    if (transaction) await client.query('ROLLBACK').catch(() => undefined);
    await client.end();
  }
}
