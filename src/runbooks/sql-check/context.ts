/** The state of one check: the text, the findings so far, and the schema as the statements leave it. */
import type { Node } from 'libpg-query';
import type { Columns, Scope } from './scope.ts';
import type { SourceText } from './source-text.ts';
import type { SqlFinding } from './types.ts';

/** Checks a nested statement (a CTE's, a subquery's, a view's query); returns its output columns. */
export type NestedCheck = (cx: CheckContext, stmt: Node, parent?: Scope) => Columns;

export class CheckContext {
  readonly findings: SqlFinding[] = [];
  readonly tables: string[] = [];
  private readonly tableNames = new Set<string>();
  private readonly reported = new Set<string>();
  /** Byte offset, within the source, of the text the current statement was parsed from. */
  base = 0;
  /** Byte offset, within that text, of the current statement. */
  statementStart = 0;
  /** Byte offset, within that text, where the current statement ends (bounds `locate`). */
  statementEnd = 0;

  constructor(
    readonly source: SourceText,
    /** Shared with the session: DDL here changes what later statements see. */
    readonly session: SessionState,
    /** Identifiers standing for psql variables: they name any table or column. */
    readonly placeholders: ReadonlySet<string>,
    readonly nested: NestedCheck,
  ) {}

  get schema(): Map<string, Set<string>> {
    return this.session.tables;
  }

  report(kind: SqlFinding['kind'], message: string, location: number | undefined): void {
    const byte = this.base + (location !== undefined && location >= 0 ? location : this.statementStart);
    this.addFinding(kind, message, this.source.indexOfByte(byte));
  }

  addFinding(kind: SqlFinding['kind'], message: string, index: number): void {
    const { line, column } = this.source.lineColumn(index);
    const key = `${kind}|${message}|${line}|${column}`;
    if (this.reported.has(key)) return;
    this.reported.add(key);
    this.findings.push({ kind, message, line, column });
  }

  addTable(name: string): void {
    if (this.tableNames.has(name)) return;
    this.tableNames.add(name);
    this.tables.push(name);
  }

  /** Location of `name` written after byte `after` in the current statement (for nodes without one). */
  locate(name: string, after: number | undefined): number | undefined {
    const from = this.source.indexOfByte(this.base + (after ?? this.statementStart));
    const to = this.source.indexOfByte(this.base + this.statementEnd);
    const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const match = new RegExp(`(?<![\\w$])"?${escaped}"?(?![\\w$])`, 'i').exec(
      this.source.text.slice(from, to),
    );
    if (!match) return after;
    return this.source.byteOf(from + match.index) - this.base;
  }
}

/** What a session keeps from one statement to the next. */
export interface SessionState {
  tables: Map<string, Set<string>>;
  /** The open transaction's start (first) and savepoints, to restore on ROLLBACK [TO]. */
  savepoints: { name?: string; tables: Map<string, Set<string>>; openWorld: boolean }[];
  /**
   * Set by a statement that may create relations the checker does not model (DO, CREATE EXTENSION of
   * an unknown extension, SET search_path, …): from then on an unknown relation is not reported.
   */
  openWorld: boolean;
}
