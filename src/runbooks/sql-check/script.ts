/** A SQL text cut into what psql would run: statements, and meta-commands that are not SQL. */
import { requireParser } from './parser.ts';
import { SourceText } from './source-text.ts';
import { splitSql } from './split.ts';

export interface SqlScriptPart {
  /** `psql`: a meta-command (`\d`, `\gset`, `\x`, …), psql's business, not the server's. */
  kind: 'statement' | 'psql';
  /** As written (a statement from its first token to its `;`, comments inside it kept). */
  text: string;
  /** 1-based lines within the script. */
  line: number;
  endLine: number;
}

/**
 * Splits a SQL script with PostgreSQL's own scanner, as psql splits a file: a `;` inside a quoted
 * string, a dollar-quoted body, a comment or parentheses ends nothing, and ` --` inside a string is
 * not a comment. Runbook steps should be cut here rather than at lines that end in `;`.
 */
export function splitSqlScript(script: string): SqlScriptPart[] {
  requireParser();
  const source = new SourceText(script);
  const split = splitSql(source);
  const part = (
    kind: SqlScriptPart['kind'],
    start: number,
    end: number,
  ): SqlScriptPart & { start: number } => ({
    kind,
    text: script.slice(start, end),
    line: source.lineOf(start),
    endLine: source.lineOf(Math.max(start, end - 1)),
    start,
  });
  return [
    ...split.statements.map((s) => part('statement', s.start, s.end)),
    ...split.psqlCommands.map((c) => part('psql', c.start, c.end)),
  ]
    .sort((a, b) => a.start - b.start)
    .map(({ start: _start, ...rest }) => rest);
}
