/**
 * Statements that change the schema or act on whole tables. Each kept branch is tested against the
 * server (test/runbooks/sql-check-ddl.test.ts); what a branch does to the schema applies to the
 * statements after it in the same session (a runbook's code block).
 */
import type { ColumnDef, CreateStmt, Node, RangeVar } from 'libpg-query';
import { checkAlterTable } from './alter-table.ts';
import { nodeAs, strings } from './ast.ts';
import type { CheckContext } from './context.ts';
import { checkColumnOf, relationExists, resolveRelation, schemaTarget } from './names.ts';
import { checkExpression } from './query.ts';
import { ANY_COLUMN, knownExtensions } from './schema.ts';
import { type Columns, newScope, type Relation, type Scope, scopeOf } from './scope.ts';
import { addOwnedSequence, SEQUENCE_COLUMNS } from './sequences.ts';
import { applyTransaction } from './transactions.ts';

const RELATION_KINDS = ['OBJECT_TABLE', 'OBJECT_VIEW', 'OBJECT_MATVIEW', 'OBJECT_FOREIGN_TABLE'];
/** ALTER TABLE/VIEW/SEQUENCE/INDEX … RENAME TO: the server lets any of them rename any relation. */
const RENAMED_KINDS = [...RELATION_KINDS, 'OBJECT_SEQUENCE', 'OBJECT_INDEX'];

export function checkDdl(cx: CheckContext, stmt: Node): void {
  const create = nodeAs(stmt, 'CreateStmt') ?? nodeAs(stmt, 'CreateForeignTableStmt')?.base;
  if (create) {
    createTable(cx, create);
    return;
  }
  const createAs = nodeAs(stmt, 'CreateTableAsStmt');
  if (createAs) {
    const columns = createAs.query ? cx.nested(cx, createAs.query) : null;
    const rel = createAs.into?.rel;
    if (!(createAs.if_not_exists && rel?.relname && cx.schema.has(rel.relname)))
      defineRelation(cx, rel, columns, createAs.into?.colNames);
    return;
  }
  const view = nodeAs(stmt, 'ViewStmt');
  if (view) {
    const columns = view.query ? cx.nested(cx, view.query) : null;
    defineRelation(cx, view.view, columns, view.aliases);
    return;
  }
  const sequence = nodeAs(stmt, 'CreateSeqStmt');
  if (sequence) {
    const name = schemaTarget(sequence.sequence);
    if (name && !(sequence.if_not_exists && cx.schema.has(name)))
      cx.schema.set(name, new Set(SEQUENCE_COLUMNS));
    return;
  }
  const transaction = nodeAs(stmt, 'TransactionStmt');
  if (transaction) {
    applyTransaction(cx.session, transaction);
    return;
  }
  const index = nodeAs(stmt, 'IndexStmt');
  if (index) {
    const table = resolveRelation(cx, index.relation, newScope(undefined));
    const scope = scopeOf([table]);
    cx.statementStart = index.relation?.location ?? 0;
    for (const elem of [...(index.indexParams ?? []), ...(index.indexIncludingParams ?? [])])
      checkIndexElem(cx, elem, table, scope);
    checkExpression(cx, index.whereClause, scope);
    return;
  }
  const alter = nodeAs(stmt, 'AlterTableStmt');
  if (alter) {
    if (!RELATION_KINDS.includes(alter.objtype ?? '')) return;
    if (alter.missing_ok && !relationExists(cx, alter.relation)) return;
    checkAlterTable(cx, alter.relation, alter.cmds ?? []);
    return;
  }
  const rename = nodeAs(stmt, 'RenameStmt');
  if (rename?.relation) {
    renameRelation(cx, rename.relation, rename);
    return;
  }
  const drop = nodeAs(stmt, 'DropStmt');
  if (drop) {
    if (![...RELATION_KINDS, 'OBJECT_SEQUENCE'].includes(drop.removeType ?? '')) return;
    for (const object of drop.objects ?? []) {
      const names = strings(nodeAs(object, 'List')?.items);
      const relname = names[names.length - 1];
      if (!relname) continue;
      const rangeVar: RangeVar = { relname, location: cx.locate(relname, undefined) ?? -1 };
      if (names.length > 1) rangeVar.schemaname = names[names.length - 2]!;
      if (drop.missing_ok && !relationExists(cx, rangeVar)) continue;
      resolveRelation(cx, rangeVar, newScope(undefined));
      const target = schemaTarget(rangeVar);
      if (target) cx.schema.delete(target);
    }
    return;
  }
  const lock = nodeAs(stmt, 'LockStmt');
  const truncate = nodeAs(stmt, 'TruncateStmt');
  const named = lock?.relations ?? truncate?.relations;
  if (named) {
    for (const relation of named) resolveRelation(cx, nodeAs(relation, 'RangeVar'), newScope(undefined));
    return;
  }
  const vacuum = nodeAs(stmt, 'VacuumStmt');
  if (vacuum) {
    for (const rel of vacuum.rels ?? []) {
      const target = nodeAs(rel, 'VacuumRelation');
      if (!target?.relation) continue;
      const table = resolveRelation(cx, target.relation, newScope(undefined));
      for (const column of strings(target.va_cols))
        checkColumnOf(cx, table, column, column, cx.locate(column, target.relation.location));
    }
    return;
  }
  const copy = nodeAs(stmt, 'CopyStmt');
  if (copy) {
    if (copy.query) {
      cx.nested(cx, copy.query);
      return;
    }
    const table = resolveRelation(cx, copy.relation, newScope(undefined));
    for (const column of strings(copy.attlist))
      checkColumnOf(cx, table, column, column, cx.locate(column, copy.relation?.location));
    checkExpression(cx, copy.whereClause, scopeOf([table]));
    return;
  }
  const reindex = nodeAs(stmt, 'ReindexStmt');
  if (reindex?.kind === 'REINDEX_OBJECT_TABLE') {
    resolveRelation(cx, reindex.relation, newScope(undefined));
    return;
  }
  if (mayCreateUnknownRelations(stmt)) cx.session.openWorld = true;
  // Anything else (ALTER DATABASE, SET, transaction control, CREATE FUNCTION, …) names no table.
}

/** DO blocks, procedures, unknown extensions, another search_path: the schema is no longer known. */
function mayCreateUnknownRelations(stmt: Node): boolean {
  if ('DoStmt' in stmt || 'CallStmt' in stmt || 'ImportForeignSchemaStmt' in stmt) return true;
  const extension = nodeAs(stmt, 'CreateExtensionStmt')?.extname;
  if (extension !== undefined) return !knownExtensions().has(extension);
  return nodeAs(stmt, 'VariableSetStmt')?.name === 'search_path';
}

function createTable(cx: CheckContext, create: CreateStmt): void {
  const name = schemaTarget(create.relation);
  if (!name || (create.if_not_exists && cx.schema.has(name))) return;
  const columns: string[] = [];
  const defined: ColumnDef[] = [];
  // Columns from a parent, a partitioned table or a composite type are not worked out.
  let known = !create.inhRelations?.length && !create.ofTypename;
  for (const element of create.tableElts ?? []) {
    const column = nodeAs(element, 'ColumnDef');
    if (column?.colname) {
      columns.push(column.colname);
      defined.push(column);
    }
    const like = nodeAs(element, 'TableLikeClause');
    if (like) {
      const copied = resolveRelation(cx, like.relation, newScope(undefined));
      if (copied.columns === null) known = false;
      else columns.push(...copied.columns);
    }
  }
  cx.schema.set(name, new Set(known ? columns : [...columns, ANY_COLUMN]));
  for (const column of defined) addOwnedSequence(cx, name, column);
}

/** A relation made from a query (CREATE TABLE AS, SELECT INTO, CREATE VIEW): the query's columns. */
export function defineRelation(
  cx: CheckContext,
  relation: RangeVar | undefined,
  columns: Columns,
  aliases: Node[] | undefined,
): void {
  const name = schemaTarget(relation);
  if (!name) return;
  const names = strings(aliases);
  const all = columns === null ? [...names, ANY_COLUMN] : [...names, ...columns.slice(names.length)];
  cx.schema.set(name, new Set(all));
}

/** RENAME of a relation or a column. */
function renameRelation(
  cx: CheckContext,
  relation: RangeVar,
  rename: { renameType?: string; subname?: string; newname?: string; missing_ok?: boolean },
): void {
  if (rename.missing_ok && !relationExists(cx, relation)) return;
  const name = schemaTarget(relation);
  const columns = name === undefined ? undefined : cx.schema.get(name);
  if (rename.renameType === 'OBJECT_COLUMN' && rename.subname) {
    const table = resolveRelation(cx, relation, newScope(undefined));
    checkColumnOf(cx, table, rename.subname, rename.subname, cx.locate(rename.subname, relation.location));
    if (name && columns && rename.newname)
      cx.schema.set(name, new Set([...columns].map((c) => (c === rename.subname ? rename.newname! : c))));
  } else if (name && columns && rename.newname && RENAMED_KINDS.includes(rename.renameType ?? '')) {
    // Not reported when unknown: ALTER TABLE … RENAME also renames indexes, which are not in the schema.
    cx.addTable(name);
    cx.schema.delete(name);
    cx.schema.set(rename.newname, columns);
  }
}

/** An index column (CREATE INDEX, ON CONFLICT): a column of the table, or an expression over it. */
export function checkIndexElem(cx: CheckContext, node: Node, table: Relation, scope: Scope): void {
  const elem = nodeAs(node, 'IndexElem');
  if (!elem) return;
  if (elem.name) checkColumnOf(cx, table, elem.name, elem.name, cx.locate(elem.name, cx.statementStart));
  checkExpression(cx, elem.expr, scope);
}
