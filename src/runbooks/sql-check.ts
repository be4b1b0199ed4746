/**
 * Static checks for the SQL in incident runbooks: does it parse with the real PostgreSQL 18 parser
 * (libpg-query), and does every table and column it names exist in the application schema or in
 * pg_catalog? It never connects to a database.
 *
 * The name resolution mirrors PostgreSQL's where it matters for runbook queries (FROM/JOIN aliases,
 * derived tables, CTEs, correlated subqueries, output-column aliases in ORDER BY / GROUP BY) and
 * otherwise errs on the side of silence: a relation whose columns cannot be worked out (a function
 * in FROM, a `*` over an unknown relation, a schema other than public/pg_catalog) accepts any column.
 */
import fs from 'node:fs';
import {
  type Alias,
  type ColumnRef,
  loadModule,
  type Node,
  type ParseResult,
  parseSync,
  type RangeVar,
  type ReturningClause,
  type SelectStmt,
  scanSync,
  type WithClause,
} from 'libpg-query';
import { PG_CATALOG_FILE, parsePgCatalog } from './generate-pg-catalog.ts';

/** Table → column names. Names are as PostgreSQL stores them (unquoted identifiers are lower-case). */
export interface SqlSchema {
  tables: Map<string, Set<string>>;
}

/** In a schema's column set, this entry means: the relation exists, its columns are not known. */
export const ANY_COLUMN = '*';

export interface SqlFinding {
  kind: 'syntax' | 'unknown-table' | 'unknown-column';
  message: string;
  /** 1-based line within the checked SQL text. */
  line: number;
  /** 1-based column (in characters) within that line. */
  column: number;
}

export interface SqlCheck {
  /** Statements in the text (for text with a syntax error: the `;`-separated pieces). */
  statements: number;
  /** Every statement is a plain read-only SELECT (see `isReadOnlyStatement`) and the text parses. */
  readOnly: boolean;
  findings: SqlFinding[];
  /** Relations referenced (CTE names excluded), in order of first reference. */
  tables: string[];
}

// ---------------------------------------------------------------------------------------------
// Parser loading

let parserLoading: Promise<void> | undefined;
let parserLoaded = false;

/** Loads the WASM parser; call (and await) once before `checkSql` / `schemaFromSql`. Idempotent. */
export async function loadSqlParser(): Promise<void> {
  parserLoading ??= loadModule().then(() => {
    parserLoaded = true;
  });
  try {
    await parserLoading;
  } catch (error) {
    parserLoading = undefined;
    throw error;
  }
}

function requireParser(): void {
  if (!parserLoaded) throw new Error('the SQL parser is not loaded: await loadSqlParser() first');
}

interface SqlSyntaxError extends Error {
  sqlDetails: { message: string; cursorPosition: number };
}

function isSyntaxError(error: unknown): error is SqlSyntaxError {
  return (
    error instanceof Error &&
    typeof (error as Partial<SqlSyntaxError>).sqlDetails?.cursorPosition === 'number' &&
    typeof (error as Partial<SqlSyntaxError>).sqlDetails?.message === 'string'
  );
}

// ---------------------------------------------------------------------------------------------
// Schemas

let catalogCache: SqlSchema | undefined;

/** The tables and views of pg_catalog with their columns, as read from a real PostgreSQL 18. */
export function postgresCatalog(): SqlSchema {
  if (!catalogCache) {
    const file = parsePgCatalog(fs.readFileSync(PG_CATALOG_FILE, 'utf8'));
    const tables = new Map<string, Set<string>>();
    for (const [name, columns] of Object.entries(file.relations)) tables.set(name, new Set(columns));
    catalogCache = { tables };
  }
  return { tables: new Map([...catalogCache.tables].map(([name, columns]) => [name, new Set(columns)])) };
}

/** One schema holding every table of the given ones; a table present in several gets all their columns. */
export function mergeSchemas(...schemas: SqlSchema[]): SqlSchema {
  const tables = new Map<string, Set<string>>();
  for (const schema of schemas) {
    for (const [name, columns] of schema.tables) {
      const merged = tables.get(name) ?? new Set<string>();
      for (const column of columns) merged.add(column);
      tables.set(name, merged);
    }
  }
  return { tables };
}

/**
 * The tables (and views) that a DDL script creates: CREATE TABLE column definitions (plus LIKE /
 * INHERITS / PARTITION OF columns), CREATE VIEW / CREATE TABLE AS output columns, ALTER TABLE ADD /
 * DROP / RENAME COLUMN, RENAME TABLE and DROP TABLE, applied in order. Throws on a syntax error.
 */
export function schemaFromSql(sql: string): SqlSchema {
  requireParser();
  const result = parseSync(sql);
  const checker = new Checker(new SourceText(sql), new Map());
  for (const raw of result.stmts ?? []) if (raw.stmt) checker.statement(raw.stmt, 0, raw.stmt_location ?? 0);
  const tables = new Map<string, Set<string>>();
  for (const [name, columns] of checker.schema) tables.set(name, new Set(columns));
  return { tables };
}

// ---------------------------------------------------------------------------------------------
// Checking

/** Parses `sql` (one or more statements) and reports syntax errors and unknown tables/columns. */
export function checkSql(sql: string, schema: SqlSchema): SqlCheck {
  requireParser();
  const source = new SourceText(sql);
  const checker = new Checker(source, schema.tables);
  let statements = 0;
  let readOnly = true;
  const run = (result: ParseResult, baseByte: number) => {
    for (const raw of result.stmts ?? []) {
      if (!raw.stmt) continue;
      statements++;
      if (!isReadOnlyStatement(raw.stmt)) readOnly = false;
      checker.statement(raw.stmt, baseByte, raw.stmt_location ?? 0);
    }
  };
  try {
    run(parseSync(sql), 0);
  } catch (error) {
    if (!isSyntaxError(error)) throw error;
    readOnly = false;
    // Check the statements that do parse: split at the `;` tokens and parse each piece alone.
    const pieces = splitStatements(sql, source);
    if (!pieces) {
      checker.syntaxError(error, 0);
      statements = Math.max(statements, 1);
    } else {
      for (const piece of pieces) {
        try {
          run(parseSync(piece.text), piece.byteStart);
        } catch (pieceError) {
          if (!isSyntaxError(pieceError)) throw pieceError;
          statements++;
          checker.syntaxError(pieceError, piece.indexStart);
        }
      }
    }
  }
  return {
    statements,
    readOnly: readOnly && statements > 0,
    findings: checker.findings.sort((a, b) => a.line - b.line || a.column - b.column),
    tables: checker.tables,
  };
}

interface Piece {
  text: string;
  byteStart: number;
  indexStart: number;
}

/** The `;`-separated statements of `sql` that contain a token, or undefined when it cannot be scanned. */
function splitStatements(sql: string, source: SourceText): Piece[] | undefined {
  let tokens: { start: number; end: number; text: string }[];
  try {
    tokens = scanSync(sql).tokens;
  } catch {
    return undefined;
  }
  const pieces: Piece[] = [];
  let start = 0;
  let hasToken = false;
  const close = (end: number) => {
    if (hasToken) {
      const indexStart = source.indexOfByte(start);
      pieces.push({ text: sql.slice(indexStart, source.indexOfByte(end)), byteStart: start, indexStart });
    }
    hasToken = false;
  };
  for (const token of tokens) {
    if (token.text === ';') {
      close(token.start);
      start = token.end;
    } else {
      hasToken = true;
    }
  }
  close(source.byteLength);
  return pieces;
}

/** Functions that change state even inside a SELECT: such a SELECT is not read-only. */
const SIDE_EFFECT_FUNCTIONS = new Set([
  'pg_terminate_backend',
  'pg_cancel_backend',
  'pg_reload_conf',
  'pg_rotate_logfile',
  'pg_promote',
  'pg_switch_wal',
  'pg_create_restore_point',
  'pg_backup_start',
  'pg_backup_stop',
  'pg_wal_replay_pause',
  'pg_wal_replay_resume',
  'pg_create_physical_replication_slot',
  'pg_create_logical_replication_slot',
  'pg_drop_replication_slot',
  'pg_copy_physical_replication_slot',
  'pg_copy_logical_replication_slot',
  'pg_replication_slot_advance',
  'pg_logical_slot_get_changes',
  'pg_logical_slot_get_binary_changes',
  'pg_logical_emit_message',
  'pg_sync_replication_slots',
  'pg_import_system_collations',
  'pg_notify',
  'nextval',
  'setval',
  'set_config',
  'dblink',
  'dblink_exec',
]);
const SIDE_EFFECT_PREFIXES = [
  'pg_stat_reset',
  'pg_advisory',
  'pg_try_advisory',
  'pg_replication_origin_',
  'lo_',
];

function hasSideEffects(functionName: string): boolean {
  return (
    SIDE_EFFECT_FUNCTIONS.has(functionName) ||
    SIDE_EFFECT_PREFIXES.some((prefix) => functionName.startsWith(prefix)) ||
    functionName.endsWith('_reset')
  );
}

/**
 * A SELECT with no data-modifying CTE, no SELECT INTO, no FOR UPDATE/SHARE and no call of a known
 * state-changing function (pg_terminate_backend, nextval, advisory locks, …); EXPLAIN of such a
 * SELECT; SHOW; and BEGIN / COMMIT / ROLLBACK. Anything else (DDL, DML, SET, …) is not read-only.
 */
export function isReadOnlyStatement(stmt: Node): boolean {
  const transaction = nodeAs(stmt, 'TransactionStmt');
  if (transaction)
    return ['TRANS_STMT_BEGIN', 'TRANS_STMT_START', 'TRANS_STMT_COMMIT', 'TRANS_STMT_ROLLBACK'].includes(
      transaction.kind ?? '',
    );
  if ('VariableShowStmt' in stmt) return true;
  const explain = nodeAs(stmt, 'ExplainStmt');
  if (explain) return explain.query !== undefined && isReadOnlyStatement(explain.query);
  if (!('SelectStmt' in stmt)) return false;
  let readOnly = true;
  visit(stmt, (key, value) => {
    if (key === 'InsertStmt' || key === 'UpdateStmt' || key === 'DeleteStmt' || key === 'MergeStmt')
      readOnly = false;
    else if (key === 'intoClause' || (key === 'lockingClause' && Array.isArray(value) && value.length > 0))
      readOnly = false;
    else if (key === 'FuncCall') {
      const name = lastString((value as { funcname?: Node[] }).funcname);
      if (name && hasSideEffects(name)) readOnly = false;
    }
  });
  return readOnly;
}

/** Calls `fn` for every property of every object in the tree. */
function visit(value: unknown, fn: (key: string, value: unknown) => void): void {
  if (Array.isArray(value)) {
    for (const item of value) visit(item, fn);
  } else if (value !== null && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) {
      fn(key, child);
      visit(child, fn);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// AST helpers

type NodeTag = Node extends infer N ? (N extends unknown ? keyof N : never) : never;
type NodeBody<K extends NodeTag> = Extract<Node, { [P in K]: unknown }>[K];

function nodeAs<K extends NodeTag>(node: Node | undefined, tag: K): NodeBody<K> | undefined {
  if (node === undefined || node === null || typeof node !== 'object' || !(tag in node)) return undefined;
  return (node as unknown as { [P in K]: NodeBody<K> })[tag];
}

function stringOf(node: Node | undefined): string | undefined {
  return nodeAs(node, 'String')?.sval;
}

function strings(nodes: Node[] | undefined): string[] {
  return (nodes ?? []).map(stringOf).filter((name): name is string => name !== undefined);
}

function lastString(nodes: Node[] | undefined): string | undefined {
  const all = strings(nodes);
  return all[all.length - 1];
}

// ---------------------------------------------------------------------------------------------
// Positions: AST locations are UTF-8 byte offsets, parser error cursors are character offsets.

class SourceText {
  /** byteAt[i]: UTF-8 byte offset of UTF-16 index i (length + 1 entries). */
  private readonly byteAt: number[];
  private readonly lineStarts: number[] = [0];

  constructor(readonly text: string) {
    this.byteAt = new Array<number>(text.length + 1);
    let bytes = 0;
    for (let i = 0; i < text.length; i++) {
      this.byteAt[i] = bytes;
      const code = text.charCodeAt(i);
      if (code === 10) this.lineStarts.push(i + 1);
      if (code < 0x80) bytes += 1;
      else if (code < 0x800) bytes += 2;
      else if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
        const next = text.charCodeAt(i + 1);
        if (next >= 0xdc00 && next <= 0xdfff) {
          this.byteAt[i + 1] = bytes + 2;
          bytes += 4;
          i++;
        } else bytes += 3;
      } else bytes += 3;
    }
    this.byteAt[text.length] = bytes;
  }

  get byteLength(): number {
    return this.byteAt[this.text.length]!;
  }

  indexOfByte(byte: number): number {
    let low = 0;
    let high = this.text.length;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (this.byteAt[mid]! <= byte) low = mid;
      else high = mid - 1;
    }
    return low;
  }

  /** The UTF-16 index `count` code points after `start`. */
  advanceCodePoints(start: number, count: number): number {
    let index = start;
    for (let n = 0; n < count && index < this.text.length; n++) {
      index += (this.text.codePointAt(index) ?? 0) > 0xffff ? 2 : 1;
    }
    return index;
  }

  lineColumn(index: number): { line: number; column: number } {
    let low = 0;
    let high = this.lineStarts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (this.lineStarts[mid]! <= index) low = mid;
      else high = mid - 1;
    }
    const lineStart = this.lineStarts[low]!;
    return { line: low + 1, column: [...this.text.slice(lineStart, index)].length + 1 };
  }
}

// ---------------------------------------------------------------------------------------------
// Name resolution

/** Ordered column names, or null when they cannot be known (then any column is accepted). */
type Columns = readonly string[] | null;

interface Relation {
  /** The name it is referenced by in this query (alias, or table name); undefined for an unnamed subquery. */
  name: string | undefined;
  /** How findings describe it, e.g. `messages AS m`. */
  label: string;
  columns: Columns;
  /** A stored table (has system columns such as ctid). */
  stored: boolean;
}

interface Scope {
  relations: Relation[];
  ctes: Map<string, Columns>;
  parent: Scope | undefined;
}

const SYSTEM_COLUMNS = new Set(['ctid', 'xmin', 'xmax', 'cmin', 'cmax', 'tableoid']);
const SEARCHED_SCHEMAS = new Set(['public', 'pg_catalog']);

function newScope(parent: Scope | undefined): Scope {
  return { relations: [], ctes: new Map(), parent };
}

function withAliasNames(columns: Columns, alias: Alias | undefined): Columns {
  const names = strings(alias?.colnames);
  if (names.length === 0 || columns === null) return columns;
  return [...names, ...columns.slice(names.length)];
}

function describe(relation: RangeVar): string {
  const name = relation.schemaname ? `${relation.schemaname}.${relation.relname}` : (relation.relname ?? '');
  return relation.alias?.aliasname ? `${name} AS ${relation.alias.aliasname}` : name;
}

class Checker {
  readonly findings: SqlFinding[] = [];
  readonly tables: string[] = [];
  /** The schema as the statements so far leave it (DDL in the text applies to later statements). */
  readonly schema: Map<string, Set<string>>;
  private readonly reported = new Set<string>();
  /** Byte offset, within the source, of the text the current statement was parsed from. */
  private base = 0;
  private statementStart = 0;

  constructor(
    private readonly source: SourceText,
    schema: Map<string, Set<string>>,
  ) {
    this.schema = new Map(schema);
  }

  // -- findings -------------------------------------------------------------------------------

  syntaxError(error: SqlSyntaxError, indexStart: number): void {
    const index = this.source.advanceCodePoints(indexStart, error.sqlDetails.cursorPosition);
    this.addFinding('syntax', error.sqlDetails.message, index);
  }

  private report(kind: SqlFinding['kind'], message: string, location: number | undefined): void {
    const byte = this.base + (location !== undefined && location >= 0 ? location : this.statementStart);
    this.addFinding(kind, message, this.source.indexOfByte(byte));
  }

  private addFinding(kind: SqlFinding['kind'], message: string, index: number): void {
    const { line, column } = this.source.lineColumn(index);
    const key = `${kind}|${message}|${line}|${column}`;
    if (this.reported.has(key)) return;
    this.reported.add(key);
    this.findings.push({ kind, message, line, column });
  }

  /** Location of `name` written after byte `after` in the current statement (for nodes without one). */
  private locate(name: string, after: number | undefined): number | undefined {
    const from = this.source.indexOfByte(this.base + (after ?? this.statementStart));
    const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const match = new RegExp(`(?<![\\w$])"?${escaped}"?(?![\\w$])`, 'i').exec(this.source.text.slice(from));
    if (!match) return after;
    const index = from + match.index;
    return this.byteOf(index) - this.base;
  }

  private byteOf(index: number): number {
    return Buffer.byteLength(this.source.text.slice(0, index));
  }

  // -- statements -----------------------------------------------------------------------------

  /** Checks one statement parsed from the text starting at byte `base`; `start` is its own offset there. */
  statement(stmt: Node, base: number, start = 0): void {
    this.base = base;
    this.statementStart = start;
    this.statementBody(stmt);
  }

  /** Checks one statement; returns its output columns (for CTEs) when it has any. */
  private statementBody(stmt: Node, parent?: Scope): Columns {
    const select = nodeAs(stmt, 'SelectStmt');
    if (select) return this.select(select, parent).columns;
    const insert = nodeAs(stmt, 'InsertStmt');
    if (insert) {
      const ctes = this.withScope(insert.withClause, parent);
      const target = this.relation(insert.relation, ctes);
      for (const col of insert.cols ?? []) {
        const res = nodeAs(col, 'ResTarget');
        if (res?.name) this.columnOf(target, res.name, res.name, res.location);
        this.expression(res?.indirection, newScope(ctes));
      }
      if (insert.selectStmt) this.statementBody(insert.selectStmt, ctes);
      const conflict = insert.onConflictClause;
      if (conflict) {
        const targetScope = { ...newScope(ctes), relations: [target] };
        for (const elem of conflict.infer?.indexElems ?? []) this.indexElem(elem, target, targetScope);
        this.expression(conflict.infer?.whereClause, targetScope);
        const excluded: Relation = { ...target, name: 'excluded', label: 'excluded' };
        const updateScope = { ...newScope(ctes), relations: [target, excluded] };
        this.assignments(conflict.targetList, target, updateScope);
        this.expression(conflict.whereClause, updateScope);
      }
      return this.returning(insert.returningClause, target, [target], ctes);
    }
    const update = nodeAs(stmt, 'UpdateStmt');
    if (update) {
      const ctes = this.withScope(update.withClause, parent);
      const target = this.relation(update.relation, ctes);
      const scope = { ...newScope(ctes), relations: [target] };
      for (const item of update.fromClause ?? []) this.fromItem(item, scope, ctes);
      this.assignments(update.targetList, target, scope);
      this.expression(update.whereClause, scope);
      return this.returning(update.returningClause, target, scope.relations, ctes);
    }
    const del = nodeAs(stmt, 'DeleteStmt');
    if (del) {
      const ctes = this.withScope(del.withClause, parent);
      const target = this.relation(del.relation, ctes);
      const scope = { ...newScope(ctes), relations: [target] };
      for (const item of del.usingClause ?? []) this.fromItem(item, scope, ctes);
      this.expression(del.whereClause, scope);
      return this.returning(del.returningClause, target, scope.relations, ctes);
    }
    const merge = nodeAs(stmt, 'MergeStmt');
    if (merge) {
      const ctes = this.withScope(merge.withClause, parent);
      const target = this.relation(merge.relation, ctes);
      const scope = { ...newScope(ctes), relations: [target] };
      if (merge.sourceRelation) this.fromItem(merge.sourceRelation, scope, ctes);
      this.expression(merge.joinCondition, scope);
      for (const when of merge.mergeWhenClauses ?? []) {
        const clause = nodeAs(when, 'MergeWhenClause');
        if (!clause) continue;
        this.expression(clause.condition, scope);
        this.assignments(clause.targetList, target, scope);
        this.expression(clause.values, scope);
      }
      return this.returning(merge.returningClause, target, scope.relations, ctes);
    }
    const explain = nodeAs(stmt, 'ExplainStmt');
    if (explain?.query) return this.statementBody(explain.query, parent);
    this.ddl(stmt);
    return null;
  }

  private ddl(stmt: Node): void {
    const create = nodeAs(stmt, 'CreateStmt');
    if (create?.relation?.relname) {
      const name = create.relation.relname;
      if (create.if_not_exists && this.schema.has(name)) return;
      const columns: string[] = [];
      let known = true;
      for (const parentTable of create.inhRelations ?? []) {
        const inherited = this.relation(nodeAs(parentTable, 'RangeVar'), newScope(undefined));
        if (inherited.columns === null) known = false;
        else columns.push(...inherited.columns);
      }
      for (const element of create.tableElts ?? []) {
        const column = nodeAs(element, 'ColumnDef')?.colname;
        if (column) columns.push(column);
        const like = nodeAs(element, 'TableLikeClause');
        if (like) {
          const copied = this.relation(like.relation, newScope(undefined));
          if (copied.columns === null) known = false;
          else columns.push(...copied.columns);
        }
      }
      if (create.ofTypename) known = false;
      this.schema.set(name, new Set(known ? columns : [...columns, ANY_COLUMN]));
      return;
    }
    const createAs = nodeAs(stmt, 'CreateTableAsStmt');
    if (createAs) {
      const columns = createAs.query ? this.statementBody(createAs.query) : null;
      const name = createAs.into?.rel?.relname;
      if (name && !(createAs.if_not_exists && this.schema.has(name)))
        this.defineRelation(name, columns, createAs.into?.colNames);
      return;
    }
    const view = nodeAs(stmt, 'ViewStmt');
    if (view) {
      const columns = view.query ? this.statementBody(view.query) : null;
      if (view.view?.relname) this.defineRelation(view.view.relname, columns, view.aliases);
      return;
    }
    const index = nodeAs(stmt, 'IndexStmt');
    if (index) {
      const table = this.relation(index.relation, newScope(undefined));
      const scope = { ...newScope(undefined), relations: [table] };
      this.statementStart = index.relation?.location ?? 0;
      for (const elem of [...(index.indexParams ?? []), ...(index.indexIncludingParams ?? [])])
        this.indexElem(elem, table, scope);
      this.expression(index.whereClause, scope);
      return;
    }
    const alter = nodeAs(stmt, 'AlterTableStmt');
    if (alter) {
      if (
        !['OBJECT_TABLE', 'OBJECT_VIEW', 'OBJECT_MATVIEW', 'OBJECT_FOREIGN_TABLE'].includes(
          alter.objtype ?? '',
        )
      )
        return;
      if (alter.missing_ok && !this.exists(alter.relation)) return;
      this.alterTable(alter.relation, alter.cmds ?? []);
      return;
    }
    const rename = nodeAs(stmt, 'RenameStmt');
    if (rename?.relation) {
      if (rename.missing_ok && !this.exists(rename.relation)) return;
      const name = rename.relation.relname ?? '';
      if (rename.renameType === 'OBJECT_COLUMN' && rename.subname) {
        const table = this.relation(rename.relation, newScope(undefined));
        this.columnOf(
          table,
          rename.subname,
          rename.subname,
          this.locate(rename.subname, rename.relation.location),
        );
        const columns = this.schema.get(name);
        if (columns && rename.newname)
          this.schema.set(
            name,
            new Set([...columns].map((c) => (c === rename.subname ? rename.newname! : c))),
          );
      } else if (
        ['OBJECT_TABLE', 'OBJECT_VIEW', 'OBJECT_MATVIEW', 'OBJECT_FOREIGN_TABLE'].includes(
          rename.renameType ?? '',
        )
      ) {
        this.relation(rename.relation, newScope(undefined));
        const columns = this.schema.get(name);
        if (columns && rename.newname) {
          this.schema.delete(name);
          this.schema.set(rename.newname, columns);
        }
      }
      return;
    }
    const drop = nodeAs(stmt, 'DropStmt');
    if (drop) {
      if (
        !['OBJECT_TABLE', 'OBJECT_VIEW', 'OBJECT_MATVIEW', 'OBJECT_FOREIGN_TABLE'].includes(
          drop.removeType ?? '',
        )
      )
        return;
      for (const object of drop.objects ?? []) {
        const names = strings(nodeAs(object, 'List')?.items);
        const relname = names[names.length - 1];
        if (!relname) continue;
        const schemaname = names.length > 1 ? names[names.length - 2] : undefined;
        const rangeVar: RangeVar = { relname, location: this.locate(relname, undefined) ?? -1 };
        if (schemaname) rangeVar.schemaname = schemaname;
        if (drop.missing_ok && !this.exists(rangeVar)) continue;
        this.relation(rangeVar, newScope(undefined));
        this.schema.delete(relname);
      }
      return;
    }
    const lock = nodeAs(stmt, 'LockStmt');
    if (lock) {
      for (const relation of lock.relations ?? [])
        this.relation(nodeAs(relation, 'RangeVar'), newScope(undefined));
      return;
    }
    const truncate = nodeAs(stmt, 'TruncateStmt');
    if (truncate) {
      for (const relation of truncate.relations ?? [])
        this.relation(nodeAs(relation, 'RangeVar'), newScope(undefined));
      return;
    }
    const vacuum = nodeAs(stmt, 'VacuumStmt');
    if (vacuum) {
      for (const rel of vacuum.rels ?? []) {
        const vacuumRelation = nodeAs(rel, 'VacuumRelation');
        if (!vacuumRelation?.relation) continue;
        const table = this.relation(vacuumRelation.relation, newScope(undefined));
        for (const column of strings(vacuumRelation.va_cols))
          this.columnOf(table, column, column, this.locate(column, vacuumRelation.relation.location));
      }
      return;
    }
    const copy = nodeAs(stmt, 'CopyStmt');
    if (copy) {
      if (copy.query) {
        this.statementBody(copy.query);
        return;
      }
      const table = this.relation(copy.relation, newScope(undefined));
      for (const column of strings(copy.attlist))
        this.columnOf(table, column, column, this.locate(column, copy.relation?.location));
      this.expression(copy.whereClause, { ...newScope(undefined), relations: [table] });
      return;
    }
    const reindex = nodeAs(stmt, 'ReindexStmt');
    if (reindex?.kind === 'REINDEX_OBJECT_TABLE') {
      this.relation(reindex.relation, newScope(undefined));
      return;
    }
    const cluster = nodeAs(stmt, 'ClusterStmt');
    if (cluster?.relation) {
      this.relation(cluster.relation, newScope(undefined));
      return;
    }
    const refresh = nodeAs(stmt, 'RefreshMatViewStmt');
    if (refresh) {
      this.relation(refresh.relation, newScope(undefined));
      return;
    }
    const trigger = nodeAs(stmt, 'CreateTrigStmt');
    if (trigger) {
      this.relation(trigger.relation, newScope(undefined));
      return;
    }
    const grant = nodeAs(stmt, 'GrantStmt');
    if (grant && grant.objtype === 'OBJECT_TABLE' && grant.targtype === 'ACL_TARGET_OBJECT') {
      for (const object of grant.objects ?? [])
        this.relation(nodeAs(object, 'RangeVar'), newScope(undefined));
      return;
    }
    const declare = nodeAs(stmt, 'DeclareCursorStmt');
    if (declare?.query) {
      this.statementBody(declare.query);
      return;
    }
    const prepare = nodeAs(stmt, 'PrepareStmt');
    if (prepare?.query) this.statementBody(prepare.query);
    // Anything else (ALTER DATABASE, SET, transaction control, CREATE FUNCTION, …) names no table.
  }

  private defineRelation(name: string, columns: Columns, aliases: Node[] | undefined): void {
    const names = strings(aliases);
    const all = columns === null ? [...names, ANY_COLUMN] : [...names, ...columns.slice(names.length)];
    this.schema.set(name, new Set(all));
  }

  private alterTable(relation: RangeVar | undefined, cmds: Node[]): void {
    const table = this.relation(relation, newScope(undefined));
    const name = relation?.relname ?? '';
    const scope = { ...newScope(undefined), relations: [table] };
    const existingColumn = new Set([
      'AT_AlterColumnType',
      'AT_DropColumn',
      'AT_SetNotNull',
      'AT_DropNotNull',
      'AT_ColumnDefault',
      'AT_SetStatistics',
      'AT_SetStorage',
      'AT_SetCompression',
      'AT_SetOptions',
      'AT_ResetOptions',
      'AT_AddIdentity',
      'AT_SetIdentity',
      'AT_DropIdentity',
      'AT_SetExpression',
      'AT_DropExpression',
    ]);
    for (const node of cmds) {
      const cmd = nodeAs(node, 'AlterTableCmd');
      if (!cmd) continue;
      if (cmd.name && existingColumn.has(cmd.subtype ?? '') && !(cmd.missing_ok && table.columns !== null)) {
        this.columnOf(table, cmd.name, cmd.name, this.locate(cmd.name, relation?.location));
      }
      if (cmd.subtype === 'AT_AddColumn') {
        const column = nodeAs(cmd.def, 'ColumnDef')?.colname;
        const columns = this.schema.get(name);
        if (column && columns) this.schema.set(name, new Set([...columns, column]));
      } else if (cmd.subtype === 'AT_DropColumn' && cmd.name) {
        const columns = this.schema.get(name);
        if (columns) this.schema.set(name, new Set([...columns].filter((c) => c !== cmd.name)));
      } else if (cmd.subtype === 'AT_AddConstraint' || cmd.subtype === 'AT_AlterColumnType') {
        const constraint = nodeAs(cmd.def, 'Constraint');
        if (constraint) {
          for (const key of [...strings(constraint.keys), ...strings(constraint.including)])
            this.columnOf(table, key, key, this.locate(key, relation?.location));
          this.expression(constraint.raw_expr, scope);
          if (constraint.pktable) {
            const referenced = this.relation(constraint.pktable, newScope(undefined));
            for (const key of strings(constraint.pk_attrs))
              this.columnOf(referenced, key, key, this.locate(key, constraint.pktable.location));
          }
        }
        const columnDef = nodeAs(cmd.def, 'ColumnDef');
        if (columnDef?.raw_default) this.expression(columnDef.raw_default, scope);
      } else if (cmd.subtype === 'AT_ColumnDefault') {
        this.expression(cmd.def, scope);
      }
    }
  }

  private exists(relation: RangeVar | undefined): boolean {
    if (!relation?.relname) return false;
    if (relation.schemaname && !SEARCHED_SCHEMAS.has(relation.schemaname)) return true;
    return this.schema.has(relation.relname);
  }

  // -- relations ------------------------------------------------------------------------------

  /** Resolves a table reference (CTE, schema table) and records it; reports an unknown table. */
  private relation(rangeVar: RangeVar | undefined, scope: Scope): Relation {
    const relname = rangeVar?.relname ?? '';
    const name = rangeVar?.alias?.aliasname ?? relname;
    const label = rangeVar ? describe(rangeVar) : relname;
    if (!rangeVar) return { name, label, columns: null, stored: false };
    if (!rangeVar.schemaname) {
      for (let s: Scope | undefined = scope; s; s = s.parent) {
        if (s.ctes.has(relname)) {
          const columns = withAliasNames(s.ctes.get(relname) ?? null, rangeVar.alias);
          return { name, label, columns, stored: false };
        }
      }
    }
    if (rangeVar.schemaname && !SEARCHED_SCHEMAS.has(rangeVar.schemaname)) {
      this.addTable(`${rangeVar.schemaname}.${relname}`);
      return { name, label, columns: null, stored: true };
    }
    this.addTable(relname);
    const columns = this.schema.get(relname);
    if (!columns) {
      const candidates = [...this.schema.keys()];
      for (let s: Scope | undefined = scope; s; s = s.parent) candidates.push(...s.ctes.keys());
      const display = rangeVar.schemaname ? `${rangeVar.schemaname}.${relname}` : relname;
      this.report(
        'unknown-table',
        `relation "${display}" does not exist${suggestion(relname, candidates)}`,
        rangeVar.location,
      );
      return { name, label, columns: null, stored: true };
    }
    const known = columns.has(ANY_COLUMN) ? null : [...columns];
    return { name, label, columns: withAliasNames(known, rangeVar.alias), stored: true };
  }

  private addTable(name: string): void {
    if (!this.tables.includes(name)) this.tables.push(name);
  }

  /** Adds one FROM-list item (and, for joins, both sides) to `scope`. */
  private fromItem(item: Node, scope: Scope, outer: Scope): void {
    const rangeVar = nodeAs(item, 'RangeVar');
    if (rangeVar) {
      scope.relations.push(this.relation(rangeVar, outer));
      return;
    }
    const sub = nodeAs(item, 'RangeSubselect');
    if (sub) {
      const columns = sub.subquery ? this.statementBody(sub.subquery, sub.lateral ? scope : outer) : null;
      const name = sub.alias?.aliasname;
      scope.relations.push({
        name,
        label: name ? `subquery ${name}` : 'subquery',
        columns: withAliasNames(columns, sub.alias),
        stored: false,
      });
      return;
    }
    const join = nodeAs(item, 'JoinExpr');
    if (join) {
      const before = scope.relations.length;
      if (join.larg) this.fromItem(join.larg, scope, outer);
      const middle = scope.relations.length;
      if (join.rarg) this.fromItem(join.rarg, scope, outer);
      const left = scope.relations.slice(before, middle);
      const right = scope.relations.slice(middle);
      const using = strings(join.usingClause);
      for (const column of using) {
        for (const [side, relations] of [
          ['left', left],
          ['right', right],
        ] as const) {
          if (relations.some((r) => r.columns === null || r.columns.includes(column))) continue;
          const candidates = relations.flatMap((r) => r.columns ?? []);
          this.report(
            'unknown-column',
            `column "${column}" specified in USING does not exist in the ${side} side of the join (${relations.map((r) => r.label).join(', ')})${suggestion(column, candidates)}`,
            this.locate(column, firstLocation(join.rarg)),
          );
        }
      }
      this.expression(join.quals, scope);
      const joined = scope.relations.slice(before);
      const joinedColumns = joined.some((r) => r.columns === null)
        ? null
        : joined.flatMap((r) => r.columns ?? []);
      if (join.alias?.aliasname)
        scope.relations.push({
          name: join.alias.aliasname,
          label: `join ${join.alias.aliasname}`,
          columns: withAliasNames(joinedColumns, join.alias),
          stored: false,
        });
      if (join.join_using_alias?.aliasname)
        scope.relations.push({
          name: join.join_using_alias.aliasname,
          label: `join ${join.join_using_alias.aliasname}`,
          columns: using,
          stored: false,
        });
      return;
    }
    const sample = nodeAs(item, 'RangeTableSample');
    if (sample) {
      if (sample.relation) this.fromItem(sample.relation, scope, outer);
      this.expression([sample.args, sample.repeatable], scope);
      return;
    }
    const fn = nodeAs(item, 'RangeFunction');
    if (fn) {
      // Functions in FROM see the items before them (they are implicitly LATERAL).
      this.expression(fn.functions, scope);
      const name = fn.alias?.aliasname;
      const defined = (fn.coldeflist ?? []).map((def) => nodeAs(def, 'ColumnDef')?.colname ?? '');
      const columns = defined.length > 0 ? withAliasNames(defined, fn.alias) : null;
      scope.relations.push({ name, label: name ? `function ${name}` : 'function', columns, stored: false });
      return;
    }
    // XMLTABLE, JSON_TABLE, …: columns are not resolved.
    const alias = (Object.values(item)[0] as { alias?: Alias } | undefined)?.alias?.aliasname;
    scope.relations.push({ name: alias, label: alias ?? 'table function', columns: null, stored: false });
  }

  /** A scope holding the CTEs of a WITH clause (or just `parent` when there is none). */
  private withScope(withClause: WithClause | undefined, parent: Scope | undefined): Scope {
    const scope = newScope(parent);
    const ctes = (withClause?.ctes ?? [])
      .map((node) => nodeAs(node, 'CommonTableExpr'))
      .filter((c) => c !== undefined);
    if (withClause?.recursive) for (const cte of ctes) if (cte.ctename) scope.ctes.set(cte.ctename, null);
    for (const cte of ctes) {
      const columns = cte.ctequery ? this.statementBody(cte.ctequery, scope) : null;
      if (cte.ctename)
        scope.ctes.set(cte.ctename, withAliasNames(columns, { colnames: cte.aliascolnames ?? [] }));
    }
    return scope;
  }

  // -- SELECT ---------------------------------------------------------------------------------

  private select(stmt: SelectStmt, parent: Scope | undefined): { columns: Columns } {
    const outer = this.withScope(stmt.withClause, parent);
    if (stmt.op && stmt.op !== 'SETOP_NONE') {
      const left = stmt.larg ? this.select(stmt.larg, outer).columns : null;
      if (stmt.rarg) this.select(stmt.rarg, outer);
      // ORDER BY of a UNION may only name its output columns.
      const result: Relation = {
        name: undefined,
        label: 'the set operation result',
        columns: left,
        stored: false,
      };
      const scope = { ...newScope(outer), relations: [result] };
      for (const sort of stmt.sortClause ?? []) this.expression(nodeAs(sort, 'SortBy')?.node, scope);
      this.expression([stmt.limitCount, stmt.limitOffset], outer);
      return { columns: left };
    }
    if (stmt.valuesLists) {
      this.expression(stmt.valuesLists, outer);
      const first = nodeAs(stmt.valuesLists[0], 'List')?.items ?? [];
      return { columns: first.map((_, i) => `column${i + 1}`) };
    }
    const scope = newScope(outer);
    for (const item of stmt.fromClause ?? []) this.fromItem(item, scope, outer);
    const output = this.outputColumns(stmt.targetList ?? [], scope);
    for (const target of stmt.targetList ?? []) {
      const res = nodeAs(target, 'ResTarget');
      this.expression([res?.val, res?.indirection], scope);
    }
    this.expression(stmt.whereClause, scope);
    this.expression(stmt.havingClause, scope);
    this.expression(stmt.windowClause, scope);
    this.expression([stmt.limitCount, stmt.limitOffset], scope);
    // ORDER BY, GROUP BY and DISTINCT ON may name an output column (alias) instead of an input column.
    for (const sort of stmt.sortClause ?? [])
      this.groupingItem(nodeAs(sort, 'SortBy')?.node, scope, output.aliases);
    for (const item of stmt.groupClause ?? []) this.groupingItem(item, scope, output.aliases);
    for (const item of stmt.distinctClause ?? []) this.groupingItem(item, scope, output.aliases);
    return { columns: output.columns };
  }

  private groupingItem(item: Node | undefined, scope: Scope, aliases: Set<string>): void {
    const set = nodeAs(item, 'GroupingSet');
    if (set) {
      for (const content of set.content ?? []) this.groupingItem(content, scope, aliases);
      return;
    }
    const row = nodeAs(item, 'RowExpr');
    if (row) {
      for (const arg of row.args ?? []) this.groupingItem(arg, scope, aliases);
      return;
    }
    const ref = nodeAs(item, 'ColumnRef');
    if (ref?.fields?.length === 1) {
      const name = stringOf(ref.fields[0]);
      if (name && aliases.has(name)) return;
    }
    this.expression(item, scope);
  }

  /** Output column names of a target list (null if a `*` covers unknown columns) and its aliases. */
  private outputColumns(targetList: Node[], scope: Scope): { columns: Columns; aliases: Set<string> } {
    const columns: string[] = [];
    const aliases = new Set<string>();
    let known = true;
    for (const target of targetList) {
      const res = nodeAs(target, 'ResTarget');
      if (!res) continue;
      if (res.name) {
        columns.push(res.name);
        aliases.add(res.name);
        continue;
      }
      const ref = nodeAs(res.val, 'ColumnRef');
      const fields = ref?.fields ?? [];
      if (fields.length > 0 && 'A_Star' in fields[fields.length - 1]!) {
        const qualifier = fields.length > 1 ? stringOf(fields[fields.length - 2]) : undefined;
        const relations = qualifier
          ? [this.findRelation(qualifier, scope)].filter((r) => r !== undefined)
          : scope.relations;
        if (relations.length === 0 || relations.some((r) => r.columns === null)) known = false;
        else for (const relation of relations) columns.push(...(relation.columns ?? []));
        continue;
      }
      const name = figureColumnName(res.val)?.name;
      if (name === undefined) known = false;
      else {
        columns.push(name);
        aliases.add(name);
      }
    }
    return { columns: known ? columns : null, aliases };
  }

  // -- DML helpers ----------------------------------------------------------------------------

  /** `SET col = …` / `INSERT (col)`-style targets: the column must exist in the target table. */
  private assignments(targetList: Node[] | undefined, target: Relation, scope: Scope): void {
    for (const node of targetList ?? []) {
      const res = nodeAs(node, 'ResTarget');
      if (!res) continue;
      if (res.name) this.columnOf(target, res.name, res.name, res.location);
      const multi = nodeAs(res.val, 'MultiAssignRef');
      this.expression(multi ? multi.source : res.val, scope);
      this.expression(res.indirection, scope);
    }
  }

  private returning(
    clause: ReturningClause | undefined,
    target: Relation,
    relations: Relation[],
    ctes: Scope,
  ): Columns {
    if (!clause?.exprs) return [];
    const names = ['old', 'new'];
    for (const option of clause.options ?? []) {
      const value = nodeAs(option, 'ReturningOption')?.value;
      if (value) names.push(value);
    }
    const extra = names.map((name) => ({ ...target, name, label: `${name} (${target.label})` }));
    const scope = { ...newScope(ctes), relations: [...relations, ...extra] };
    const targets = clause.exprs;
    const output = this.outputColumns(
      targets,
      // `RETURNING *` means the target table's columns only.
      { ...scope, relations: [target] },
    );
    for (const node of targets) {
      const res = nodeAs(node, 'ResTarget');
      this.expression(res?.val, scope);
    }
    return output.columns;
  }

  private indexElem(node: Node, table: Relation, scope: Scope): void {
    const elem = nodeAs(node, 'IndexElem');
    if (!elem) return;
    if (elem.name) this.columnOf(table, elem.name, elem.name, this.locate(elem.name, this.statementStart));
    this.expression(elem.expr, scope);
  }

  // -- expressions ----------------------------------------------------------------------------

  /** Checks every column reference in an expression tree; subqueries get their own scope. */
  private expression(value: unknown, scope: Scope): void {
    if (Array.isArray(value)) {
      for (const item of value) this.expression(item, scope);
      return;
    }
    if (value === null || typeof value !== 'object') return;
    for (const [key, child] of Object.entries(value)) {
      if (key === 'ColumnRef') this.columnRef(child as ColumnRef, scope);
      else if (key === 'SelectStmt') this.select(child as SelectStmt, scope);
      else this.expression(child, scope);
    }
  }

  private columnRef(ref: ColumnRef, scope: Scope): void {
    const fields = ref.fields ?? [];
    const star = fields.length > 0 && 'A_Star' in fields[fields.length - 1]!;
    const names = fields.map(stringOf);
    const written = names.map((n) => n ?? '*').join('.');
    if (fields.length === 1) {
      if (!star && names[0]) this.unqualified(names[0], scope, ref.location);
      return;
    }
    // a.b: relation a, column b. a.b.c: schema.table.column, or table.column.field.
    const attempts: [string | undefined, string | undefined][] = [
      [names[names.length - 2], star ? undefined : names[names.length - 1]],
    ];
    if (fields.length === 3) attempts.push([names[0], names[1]]);
    for (const [relationName, column] of attempts) {
      const relation = relationName ? this.findRelation(relationName, scope) : undefined;
      if (!relation) continue;
      if (column) this.columnOf(relation, column, written, ref.location);
      return;
    }
    // Not a relation: maybe a composite column with a field (`col.field`).
    if (names[0] && this.resolves(names[0], scope)) return;
    const relationName = names[names.length - 2] ?? '';
    const visible: string[] = [];
    for (let s: Scope | undefined = scope; s; s = s.parent)
      for (const relation of s.relations) if (relation.name) visible.push(relation.name);
    this.report(
      'unknown-table',
      `missing FROM-clause entry for table "${relationName}" (in "${written}")${suggestion(relationName, visible)}`,
      ref.location,
    );
  }

  private findRelation(name: string, scope: Scope): Relation | undefined {
    for (let s: Scope | undefined = scope; s; s = s.parent) {
      const found = s.relations.find((relation) => relation.name === name);
      if (found) return found;
    }
    return undefined;
  }

  /** Does an unqualified name resolve in the scope chain (as a column or a whole-row reference)? */
  private resolves(name: string, scope: Scope): boolean {
    for (let s: Scope | undefined = scope; s; s = s.parent) {
      for (const relation of s.relations) {
        if (relation.columns === null || relation.columns.includes(name)) return true;
        if (relation.stored && SYSTEM_COLUMNS.has(name)) return true;
        if (relation.name === name) return true;
      }
    }
    return false;
  }

  private unqualified(name: string, scope: Scope, location: number | undefined): void {
    if (this.resolves(name, scope)) return;
    let nearest: Relation[] = [];
    const candidates: string[] = [];
    for (let s: Scope | undefined = scope; s; s = s.parent) {
      if (nearest.length === 0) nearest = s.relations;
      for (const relation of s.relations) candidates.push(...(relation.columns ?? []));
    }
    const where =
      nearest.length === 0
        ? ' (the query has no FROM clause)'
        : ` in ${nearest.map((r) => r.label).join(', ')}`;
    this.report(
      'unknown-column',
      `column "${name}" does not exist${where}${suggestion(name, candidates)}`,
      location,
    );
  }

  /** Reports `column` missing from `relation` (unless its columns are unknown). */
  private columnOf(relation: Relation, column: string, written: string, location: number | undefined): void {
    if (relation.columns === null || relation.columns.includes(column)) return;
    if (relation.stored && SYSTEM_COLUMNS.has(column)) return;
    this.report(
      'unknown-column',
      `column "${written}" does not exist in ${relation.label}${suggestion(column, relation.columns)}`,
      location,
    );
  }
}

function firstLocation(node: Node | undefined): number | undefined {
  let found: number | undefined;
  visit(node, (key, value) => {
    if (found === undefined && key === 'location' && typeof value === 'number' && value >= 0) found = value;
  });
  return found;
}

// ---------------------------------------------------------------------------------------------
// Output column names, as PostgreSQL's FigureColname derives them

interface FiguredName {
  name: string;
  /** False for the fallback names (`?column?`, `case`, a cast's type name). */
  strong: boolean;
}

const WEAK_NODES = ['A_Const', 'ParamRef', 'BoolExpr', 'NullTest', 'BooleanTest', 'A_Expr'] as const;

function figureColumnName(node: Node | undefined): FiguredName | undefined {
  if (!node) return undefined;
  const ref = nodeAs(node, 'ColumnRef');
  if (ref) {
    const name = stringOf(ref.fields?.[ref.fields.length - 1]);
    return name ? { name, strong: true } : undefined;
  }
  const indirection = nodeAs(node, 'A_Indirection');
  if (indirection) {
    const name = stringOf(indirection.indirection?.[indirection.indirection.length - 1]);
    return name ? { name, strong: true } : figureColumnName(indirection.arg);
  }
  const call = nodeAs(node, 'FuncCall');
  if (call) {
    const name = lastString(call.funcname);
    return name ? { name, strong: true } : undefined;
  }
  const expr = nodeAs(node, 'A_Expr');
  if (expr?.kind === 'AEXPR_NULLIF') return { name: 'nullif', strong: true };
  const cast = nodeAs(node, 'TypeCast');
  if (cast) {
    const inner = figureColumnName(cast.arg);
    if (inner?.strong) return inner;
    const typeName = lastString(cast.typeName?.names);
    return typeName ? { name: typeName, strong: false } : undefined;
  }
  const collate = nodeAs(node, 'CollateClause');
  if (collate) return figureColumnName(collate.arg);
  const sublink = nodeAs(node, 'SubLink');
  if (sublink) {
    if (sublink.subLinkType === 'EXISTS_SUBLINK') return { name: 'exists', strong: true };
    if (sublink.subLinkType === 'ARRAY_SUBLINK') return { name: 'array', strong: true };
    if (sublink.subLinkType === 'EXPR_SUBLINK') {
      const first = nodeAs(nodeAs(sublink.subselect, 'SelectStmt')?.targetList?.[0], 'ResTarget');
      const name = first?.name ?? figureColumnName(first?.val)?.name;
      return name ? { name, strong: true } : undefined;
    }
    return { name: '?column?', strong: false };
  }
  const caseExpr = nodeAs(node, 'CaseExpr');
  if (caseExpr) {
    const result = figureColumnName(caseExpr.defresult);
    return result?.strong ? result : { name: 'case', strong: false };
  }
  if ('A_ArrayExpr' in node) return { name: 'array', strong: true };
  if ('RowExpr' in node) return { name: 'row', strong: true };
  if ('CoalesceExpr' in node) return { name: 'coalesce', strong: true };
  if ('GroupingFunc' in node) return { name: 'grouping', strong: true };
  if ('MergeSupportFunc' in node) return { name: 'merge_action', strong: true };
  if ('XmlSerialize' in node) return { name: 'xmlserialize', strong: true };
  const minMax = nodeAs(node, 'MinMaxExpr');
  if (minMax) return { name: minMax.op === 'IS_GREATEST' ? 'greatest' : 'least', strong: true };
  const valueFunction = nodeAs(node, 'SQLValueFunction');
  if (valueFunction?.op) {
    return {
      name: valueFunction.op
        .replace(/^SVFOP_/, '')
        .replace(/_N$/, '')
        .toLowerCase(),
      strong: true,
    };
  }
  const xml = nodeAs(node, 'XmlExpr');
  if (xml?.op && xml.op !== 'IS_DOCUMENT')
    return { name: xml.op.replace(/^IS_/, '').toLowerCase(), strong: true };
  if (xml) return { name: '?column?', strong: false };
  if (WEAK_NODES.some((tag) => tag in node)) return { name: '?column?', strong: false };
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Suggestions

/** ` (did you mean "x"?)` for the closest candidate, or '' when none is close. */
function suggestion(name: string, candidates: Iterable<string>): string {
  const unique = [...new Set(candidates)].filter((c) => c !== name && c !== ANY_COLUMN);
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of unique) {
    const distance = levenshtein(name.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  if (best !== undefined && bestDistance <= 2 && bestDistance < name.length)
    return ` (did you mean "${best}"?)`;
  // A truncated or extended name: `conversation` for `conversation_id`.
  if (name.length >= 4) {
    const lower = name.toLowerCase();
    const affixed = unique.filter((c) => {
      const other = c.toLowerCase();
      return (
        other.length >= 4 && (other.startsWith(lower) || lower.startsWith(other) || other.endsWith(lower))
      );
    });
    if (affixed.length === 1) return ` (did you mean "${affixed[0]}"?)`;
  }
  return '';
}

function levenshtein(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
    }
    previous = current;
  }
  return previous[b.length]!;
}
