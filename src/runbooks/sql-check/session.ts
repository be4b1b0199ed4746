/**
 * Checking a SQL text statement by statement, as psql would run it: split with PostgreSQL's own
 * scanner, each statement parsed on its own (so one bad statement does not hide the others), and the
 * schema changes of each statement seen by the ones after it.
 */
import { CheckContext, type SessionState } from './context.ts';
import { NESTING_LIMIT, nestingDepth } from './nesting.ts';
import { parseSql, requireParser } from './parser.ts';
import { isReadOnlyStatement } from './read-only.ts';
import type { SqlSchema } from './schema.ts';
import { SourceText } from './source-text.ts';
import { type StatementText, splitSql } from './split.ts';
import { checkStatement } from './statements.ts';
import type { SqlCheck } from './types.ts';

/**
 * A run of SQL texts checked in order against one schema that they change: a runbook's code block
 * split into steps, where `CREATE TEMP TABLE t1 …` in one step makes `SELECT … FROM t1` in the next fine.
 */
export class SqlSession {
  private readonly state: SessionState;

  constructor(schema: SqlSchema) {
    this.state = { tables: new Map(schema.tables), savepoints: [], openWorld: false };
  }

  /** The schema as the texts checked so far leave it. */
  get schema(): SqlSchema {
    return { tables: new Map(this.state.tables) };
  }

  /** Parses `sql` (one or more statements) and reports syntax errors and unknown tables/columns. */
  check(sql: string): SqlCheck {
    requireParser();
    const source = new SourceText(sql);
    const split = splitSql(source);
    const cx = new CheckContext(source, this.state, split.placeholders, checkStatement);
    // psql syntax cannot be sent to the server as it is, so such a text is never a read-only probe.
    const psql = split.psqlCommands.length > 0 || split.placeholders.size > 0;
    let statementsReadOnly = true;
    let statements = 0;
    for (const statement of split.statements) {
      const checked = checkOne(cx, statement);
      statements += checked.statements;
      if (!checked.readOnly) statementsReadOnly = false;
    }
    const readOnly = statementsReadOnly && !psql;
    const psqlCommands = split.psqlCommands.map(({ start, end }) => ({
      text: sql.slice(start, end),
      line: source.lineOf(start),
    }));
    return {
      statements,
      readOnly: readOnly && statements > 0,
      statementsReadOnly: statementsReadOnly && statements > 0,
      usesPsql: psql,
      findings: cx.findings.sort((a, b) => a.line - b.line || a.column - b.column),
      tables: cx.tables,
      ...(psqlCommands.length > 0 ? { psqlCommands } : {}),
    };
  }
}

/** Parses `sql` (one or more statements) and reports syntax errors and unknown tables/columns. */
export function checkSql(sql: string, schema: SqlSchema): SqlCheck {
  return new SqlSession(schema).check(sql);
}

/**
 * The tables, views and sequences that a DDL script creates (CREATE TABLE, CREATE TABLE … AS,
 * CREATE VIEW, CREATE SEQUENCE, serial and identity columns, ALTER TABLE ADD / DROP / RENAME COLUMN,
 * RENAME, DROP), applied in order. Throws on a syntax error.
 */
export function schemaFromSql(sql: string): SqlSchema {
  const session = new SqlSession({ tables: new Map() });
  const problem = session.check(sql).findings.find((f) => f.kind === 'syntax' || f.kind === 'unchecked');
  if (problem) throw new Error(`line ${problem.line}: ${problem.message}`);
  return session.schema;
}

function checkOne(cx: CheckContext, statement: StatementText): { statements: number; readOnly: boolean } {
  const depth = nestingDepth(statement.tokens);
  if (depth > NESTING_LIMIT) {
    cx.addFinding(
      'unchecked',
      `not checked: the statement nests deeper than the checker can parse (about ${depth} levels; the limit is ${NESTING_LIMIT})`,
      statement.start,
    );
    return { statements: 1, readOnly: false };
  }
  const parsed = parseSql(statement.sql);
  if (parsed.kind === 'syntax') {
    cx.addFinding('syntax', parsed.message, cx.source.advanceCodePoints(statement.start, parsed.cursor));
    return { statements: 1, readOnly: false };
  }
  if (parsed.kind === 'overflow') return tooDeep(cx, statement.start);
  const stmts = (parsed.result.stmts ?? []).filter((raw) => raw.stmt !== undefined);
  let readOnly = true;
  cx.base = cx.source.byteOf(statement.start);
  const length = Buffer.byteLength(statement.sql);
  for (const raw of stmts) {
    cx.statementStart = raw.stmt_location ?? 0;
    cx.statementEnd = raw.stmt_len ? cx.statementStart + raw.stmt_len : length;
    try {
      if (!isReadOnlyStatement(raw.stmt!)) readOnly = false;
      checkStatement(cx, raw.stmt!);
    } catch (error) {
      // The last guard: a tree the estimate let through that still overflows the checker's own stack.
      if (!(error instanceof RangeError)) throw error;
      tooDeep(cx, statement.start);
      readOnly = false;
    }
  }
  return { statements: stmts.length, readOnly };
}

function tooDeep(cx: CheckContext, start: number): { statements: number; readOnly: boolean } {
  cx.addFinding('unchecked', 'not checked: the statement nests deeper than the checker can parse', start);
  return { statements: 1, readOnly: false };
}
