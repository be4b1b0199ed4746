/** One statement: queries and data changes here, schema changes in `ddl.ts`. */
import type { Node, ReturningClause } from 'libpg-query';
import { nodeAs } from './ast.ts';
import type { CheckContext } from './context.ts';
import { checkDdl, checkIndexElem, defineRelation } from './ddl.ts';
import { checkColumnOf, resolveRelation } from './names.ts';
import { addFromItem, checkExpression, checkSelect, outputColumns, withScope } from './query.ts';
import { type Columns, newScope, type Relation, type Scope, scopeOf } from './scope.ts';

/** Checks one statement; returns its output columns (for CTEs and subqueries) when it has any. */
export function checkStatement(cx: CheckContext, stmt: Node, parent?: Scope): Columns {
  const select = nodeAs(stmt, 'SelectStmt');
  if (select) {
    const { columns } = checkSelect(cx, select, parent);
    // SELECT … INTO creates a table, as CREATE TABLE … AS does.
    if (select.intoClause && !parent)
      defineRelation(cx, select.intoClause.rel, columns, select.intoClause.colNames);
    return columns;
  }
  const insert = nodeAs(stmt, 'InsertStmt');
  if (insert) {
    const ctes = withScope(cx, insert.withClause, parent);
    const target = resolveRelation(cx, insert.relation, ctes);
    for (const col of insert.cols ?? []) {
      const res = nodeAs(col, 'ResTarget');
      if (res?.name) checkColumnOf(cx, target, res.name, res.name, res.location);
      checkExpression(cx, res?.indirection, newScope(ctes));
    }
    if (insert.selectStmt) checkStatement(cx, insert.selectStmt, ctes);
    const conflict = insert.onConflictClause;
    if (conflict) {
      const targetScope = scopeOf([target], ctes);
      for (const elem of conflict.infer?.indexElems ?? []) checkIndexElem(cx, elem, target, targetScope);
      checkExpression(cx, conflict.infer?.whereClause, targetScope);
      const excluded: Relation = { ...target, name: 'excluded', label: 'excluded' };
      const updateScope = scopeOf([target, excluded], ctes);
      checkAssignments(cx, conflict.targetList, target, updateScope);
      checkExpression(cx, conflict.whereClause, updateScope);
    }
    return checkReturning(cx, insert.returningClause, target, [target], ctes);
  }
  const update = nodeAs(stmt, 'UpdateStmt');
  if (update) {
    const ctes = withScope(cx, update.withClause, parent);
    const target = resolveRelation(cx, update.relation, ctes);
    const scope = scopeOf([target], ctes);
    for (const item of update.fromClause ?? []) addFromItem(cx, item, scope, ctes);
    checkAssignments(cx, update.targetList, target, scope);
    checkExpression(cx, update.whereClause, scope);
    return checkReturning(cx, update.returningClause, target, scope.relations, ctes);
  }
  const del = nodeAs(stmt, 'DeleteStmt');
  if (del) {
    const ctes = withScope(cx, del.withClause, parent);
    const target = resolveRelation(cx, del.relation, ctes);
    const scope = scopeOf([target], ctes);
    for (const item of del.usingClause ?? []) addFromItem(cx, item, scope, ctes);
    checkExpression(cx, del.whereClause, scope);
    return checkReturning(cx, del.returningClause, target, scope.relations, ctes);
  }
  const merge = nodeAs(stmt, 'MergeStmt');
  if (merge) {
    const ctes = withScope(cx, merge.withClause, parent);
    const target = resolveRelation(cx, merge.relation, ctes);
    const scope = scopeOf([target], ctes);
    if (merge.sourceRelation) addFromItem(cx, merge.sourceRelation, scope, ctes);
    checkExpression(cx, merge.joinCondition, scope);
    for (const when of merge.mergeWhenClauses ?? []) {
      const clause = nodeAs(when, 'MergeWhenClause');
      if (!clause) continue;
      checkExpression(cx, clause.condition, scope);
      checkAssignments(cx, clause.targetList, target, scope);
      checkExpression(cx, clause.values, scope);
    }
    return checkReturning(cx, merge.returningClause, target, scope.relations, ctes);
  }
  const explain = nodeAs(stmt, 'ExplainStmt');
  if (explain?.query) return checkStatement(cx, explain.query, parent);
  checkDdl(cx, stmt);
  return null;
}

/** `SET col = …` / `INSERT (col)`-style targets: the column must exist in the target table. */
function checkAssignments(
  cx: CheckContext,
  targetList: Node[] | undefined,
  target: Relation,
  scope: Scope,
): void {
  for (const node of targetList ?? []) {
    const res = nodeAs(node, 'ResTarget');
    if (!res) continue;
    if (res.name) checkColumnOf(cx, target, res.name, res.name, res.location);
    const multi = nodeAs(res.val, 'MultiAssignRef');
    checkExpression(cx, multi ? multi.source : res.val, scope);
    checkExpression(cx, res.indirection, scope);
  }
}

function checkReturning(
  cx: CheckContext,
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
  const scope = scopeOf([...relations, ...extra], ctes);
  // `RETURNING *` means the target table's columns only.
  const output = outputColumns(clause.exprs, scopeOf([target], ctes));
  for (const node of clause.exprs) checkExpression(cx, nodeAs(node, 'ResTarget')?.val, scope);
  return output.columns;
}
