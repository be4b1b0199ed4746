import { z } from 'zod';
import { withDatabase } from '../stack/database-session.ts';
import { defineAction } from './action.ts';

const runSql = (url: string, sql: string) => withDatabase(url, (client) => client.query(sql));

/** Runs one SQL statement on the primary as the runbook's DBA would (`psql -c`). */
export const runSqlAction = defineAction({
  action: 'run-sql',
  params: z.object({ sql: z.string().min(1) }).strict(),
  requires: ['database-superuser'],
  describe: ({ sql }) => `run SQL: ${sql.replace(/\s+/g, ' ').trim()}`,
  async run({ sql }, { stack }) {
    const result = await runSql(stack.endpoints.database.primaryAdminUrl, sql);
    return `${result.command ?? 'ok'} (${result.rowCount ?? 0} rows)`;
  },
});

/** Builds an index without blocking writes (runbook 3, missing index). */
export const createIndex = defineAction({
  action: 'create-index',
  looksLike: /\bcreate\s+(unique\s+)?index\b/i,
  params: z
    .object({
      name: z.string().regex(/^[a-z_][a-z0-9_]*$/, 'expected an index name'),
      table: z.string().regex(/^[a-z_][a-z0-9_]*$/, 'expected a table name'),
      columns: z.string().min(1),
    })
    .strict(),
  requires: ['database-superuser'],
  describe: ({ name, table, columns }) => `CREATE INDEX CONCURRENTLY ${name} ON ${table}(${columns})`,
  asSql: ({ name, table, columns }) => `CREATE INDEX CONCURRENTLY ${name} ON ${table}(${columns});`,
  async run({ name, table, columns }, { stack }) {
    const started = performance.now();
    await runSql(
      stack.endpoints.database.primaryAdminUrl,
      `CREATE INDEX CONCURRENTLY ${name} ON ${table}(${columns})`,
    );
    return `index ${name} built in ${((performance.now() - started) / 1000).toFixed(1)} s`;
  },
});
