/**
 * Static checks for the SQL in incident runbooks: does it parse with the real PostgreSQL 18 parser
 * (libpg-query), and does every table and column it names exist in the application schema or in
 * pg_catalog? It never connects to a database.
 *
 * The name resolution mirrors PostgreSQL's where it matters for runbook queries (FROM/JOIN aliases,
 * derived tables, CTEs, correlated subqueries, output-column aliases in ORDER BY / GROUP BY) and
 * otherwise errs on the side of silence: a relation whose columns cannot be worked out (a function
 * in FROM, a `*` over an unknown relation, a schema other than public/pg_catalog) accepts any column.
 * A false "broken" is as bad as a false "ok".
 */
export { loadSqlParser } from './parser.ts';
export { isReadOnlyStatement } from './read-only.ts';
export { ANY_COLUMN, mergeSchemas, postgresCatalog, type SqlSchema } from './schema.ts';
export { type SqlScriptPart, splitSqlScript } from './script.ts';
export { checkSql, SqlSession, schemaFromSql } from './session.ts';
export type { PsqlCommand, SqlCheck, SqlFinding } from './types.ts';
