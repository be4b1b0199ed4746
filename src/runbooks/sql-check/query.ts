/** Queries: SELECT (with its FROM items, CTEs and output columns) and the expressions inside them. */
import type { Alias, ColumnRef, Node, SelectStmt, WithClause } from 'libpg-query';
import { firstLocation, nodeAs, stringOf, strings } from './ast.ts';
import { figureColumnName } from './column-names.ts';
import type { CheckContext } from './context.ts';
import { checkColumnRef, findRelation, resolveRelation } from './names.ts';
import { type Columns, newScope, type Relation, type Scope, scopeOf, withAliasNames } from './scope.ts';
import { suggestion } from './suggest.ts';

export function checkSelect(
  cx: CheckContext,
  stmt: SelectStmt,
  parent: Scope | undefined,
): { columns: Columns } {
  const outer = withScope(cx, stmt.withClause, parent);
  if (stmt.op && stmt.op !== 'SETOP_NONE') {
    const left = stmt.larg ? checkSelect(cx, stmt.larg, outer).columns : null;
    if (stmt.rarg) checkSelect(cx, stmt.rarg, outer);
    // ORDER BY of a UNION may only name its output columns.
    const result: Relation = {
      name: undefined,
      label: 'the set operation result',
      columns: left,
      stored: false,
    };
    const scope = scopeOf([result], outer);
    for (const sort of stmt.sortClause ?? []) checkExpression(cx, nodeAs(sort, 'SortBy')?.node, scope);
    checkExpression(cx, [stmt.limitCount, stmt.limitOffset], outer);
    return { columns: left };
  }
  if (stmt.valuesLists) {
    checkExpression(cx, stmt.valuesLists, outer);
    const first = nodeAs(stmt.valuesLists[0], 'List')?.items ?? [];
    return { columns: first.map((_, i) => `column${i + 1}`) };
  }
  const scope = newScope(outer);
  for (const item of stmt.fromClause ?? []) addFromItem(cx, item, scope, outer);
  const output = outputColumns(stmt.targetList ?? [], scope);
  for (const target of stmt.targetList ?? []) {
    const res = nodeAs(target, 'ResTarget');
    checkExpression(cx, [res?.val, res?.indirection], scope);
  }
  checkExpression(cx, stmt.whereClause, scope);
  checkExpression(cx, stmt.havingClause, scope);
  checkExpression(cx, stmt.windowClause, scope);
  checkExpression(cx, [stmt.limitCount, stmt.limitOffset], scope);
  // ORDER BY, GROUP BY and DISTINCT ON may name an output column (alias) instead of an input column.
  for (const sort of stmt.sortClause ?? [])
    checkGroupingItem(cx, nodeAs(sort, 'SortBy')?.node, scope, output.aliases);
  for (const item of stmt.groupClause ?? []) checkGroupingItem(cx, item, scope, output.aliases);
  for (const item of stmt.distinctClause ?? []) checkGroupingItem(cx, item, scope, output.aliases);
  return { columns: output.columns };
}

function checkGroupingItem(
  cx: CheckContext,
  item: Node | undefined,
  scope: Scope,
  aliases: Set<string>,
): void {
  const set = nodeAs(item, 'GroupingSet');
  if (set) {
    for (const content of set.content ?? []) checkGroupingItem(cx, content, scope, aliases);
    return;
  }
  const row = nodeAs(item, 'RowExpr');
  if (row) {
    for (const arg of row.args ?? []) checkGroupingItem(cx, arg, scope, aliases);
    return;
  }
  const ref = nodeAs(item, 'ColumnRef');
  if (ref?.fields?.length === 1) {
    const name = stringOf(ref.fields[0]);
    if (name && aliases.has(name)) return;
  }
  checkExpression(cx, item, scope);
}

/** Output column names of a target list (null if a `*` covers unknown columns) and its aliases. */
export function outputColumns(targetList: Node[], scope: Scope): { columns: Columns; aliases: Set<string> } {
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
        ? [findRelation(qualifier, scope)].filter((r) => r !== undefined)
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

/** Adds one FROM-list item (and, for joins, both sides) to `scope`. */
export function addFromItem(cx: CheckContext, item: Node, scope: Scope, outer: Scope): void {
  const rangeVar = nodeAs(item, 'RangeVar');
  if (rangeVar) {
    scope.relations.push(resolveRelation(cx, rangeVar, outer));
    return;
  }
  const sub = nodeAs(item, 'RangeSubselect');
  if (sub) {
    const columns = sub.subquery ? cx.nested(cx, sub.subquery, sub.lateral ? scope : outer) : null;
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
    if (join.larg) addFromItem(cx, join.larg, scope, outer);
    const middle = scope.relations.length;
    if (join.rarg) addFromItem(cx, join.rarg, scope, outer);
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
        cx.report(
          'unknown-column',
          `column "${column}" specified in USING does not exist in the ${side} side of the join (${relations.map((r) => r.label).join(', ')})${suggestion(column, candidates)}`,
          cx.locate(column, firstLocation(join.rarg)),
        );
      }
    }
    checkExpression(cx, join.quals, scope);
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
    if (sample.relation) addFromItem(cx, sample.relation, scope, outer);
    checkExpression(cx, [sample.args, sample.repeatable], scope);
    return;
  }
  const fn = nodeAs(item, 'RangeFunction');
  if (fn) {
    // Functions in FROM see the items before them (they are implicitly LATERAL).
    checkExpression(cx, fn.functions, scope);
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
export function withScope(
  cx: CheckContext,
  withClause: WithClause | undefined,
  parent: Scope | undefined,
): Scope {
  const scope = newScope(parent);
  const ctes = (withClause?.ctes ?? [])
    .map((node) => nodeAs(node, 'CommonTableExpr'))
    .filter((c) => c !== undefined);
  if (withClause?.recursive) for (const cte of ctes) if (cte.ctename) scope.ctes.set(cte.ctename, null);
  for (const cte of ctes) {
    const query = cte.ctequery ? cx.nested(cx, cte.ctequery, scope) : null;
    const named = withAliasNames(query, { colnames: cte.aliascolnames ?? [] });
    // SEARCH … SET seq and CYCLE … SET mark USING path add columns to a recursive CTE.
    const added = [
      cte.search_clause?.search_seq_column,
      cte.cycle_clause?.cycle_mark_column,
      cte.cycle_clause?.cycle_path_column,
    ].filter((column) => column !== undefined);
    if (cte.ctename) scope.ctes.set(cte.ctename, named === null ? null : [...named, ...added]);
  }
  return scope;
}

/** Work items of `checkExpression`'s stack. */
class Reference {
  constructor(readonly ref: ColumnRef) {}
}

class Subquery {
  constructor(readonly stmt: SelectStmt) {}
}

/**
 * Checks every column reference in an expression tree; subqueries get their own scope. Walks with an
 * explicit stack, in document order: a `1 + 1 + …` thousands of terms deep is a tree as deep.
 */
export function checkExpression(cx: CheckContext, root: unknown, scope: Scope): void {
  const pending: unknown[] = [root];
  while (pending.length > 0) {
    const value = pending.pop();
    if (value instanceof Reference) {
      checkColumnRef(cx, value.ref, scope);
    } else if (value instanceof Subquery) {
      checkSelect(cx, value.stmt, scope);
    } else if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) pending.push(value[i]);
    } else if (value !== null && typeof value === 'object') {
      const entries = Object.entries(value);
      for (let i = entries.length - 1; i >= 0; i--) {
        const [key, child] = entries[i]!;
        if (key === 'ColumnRef') pending.push(new Reference(child as ColumnRef));
        else if (key === 'SelectStmt') pending.push(new Subquery(child as SelectStmt));
        else pending.push(child);
      }
    }
  }
}
