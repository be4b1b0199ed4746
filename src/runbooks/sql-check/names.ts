/** Name resolution: which relation a table reference means, and whether a column reference exists. */
import type { ColumnRef, RangeVar } from 'libpg-query';
import { stringOf } from './ast.ts';
import type { CheckContext } from './context.ts';
import { ANY_COLUMN, isSystemCatalog } from './schema.ts';
import {
  describe,
  type Relation,
  type Scope,
  SEARCHED_SCHEMAS,
  SYSTEM_COLUMNS,
  withAliasNames,
} from './scope.ts';
import { suggestion } from './suggest.ts';

/** Resolves a table reference (CTE, schema table) and records it; reports an unknown table. */
export function resolveRelation(cx: CheckContext, rangeVar: RangeVar | undefined, scope: Scope): Relation {
  const relname = rangeVar?.relname ?? '';
  const name = rangeVar?.alias?.aliasname ?? relname;
  const label = rangeVar ? describe(rangeVar) : relname;
  if (!rangeVar) return { name, label, columns: null, stored: false };
  const written = rangeVar.schemaname && !rangeVar.alias ? { schema: rangeVar.schemaname } : {};
  if (!rangeVar.schemaname) {
    for (let s: Scope | undefined = scope; s; s = s.parent) {
      if (s.ctes.has(relname)) {
        const columns = withAliasNames(s.ctes.get(relname) ?? null, rangeVar.alias);
        return { name, label, columns, stored: false };
      }
    }
    if (cx.placeholders.has(relname)) return { name, label, columns: null, stored: true };
  }
  if (rangeVar.schemaname && !SEARCHED_SCHEMAS.has(rangeVar.schemaname)) {
    cx.addTable(`${rangeVar.schemaname}.${relname}`);
    return { name, label, columns: null, stored: true, ...written };
  }
  cx.addTable(relname);
  const columns = cx.schema.get(relname);
  if (!columns) {
    if (!cx.session.openWorld) {
      const candidates = [...cx.schema.keys()];
      for (let s: Scope | undefined = scope; s; s = s.parent) candidates.push(...s.ctes.keys());
      const display = rangeVar.schemaname ? `${rangeVar.schemaname}.${relname}` : relname;
      cx.report(
        'unknown-table',
        `relation "${display}" does not exist${suggestion(relname, candidates)}`,
        rangeVar.location,
      );
    }
    return { name, label, columns: null, stored: true, ...written };
  }
  const known = columns.has(ANY_COLUMN) ? null : [...columns];
  return { name, label, columns: withAliasNames(known, rangeVar.alias), stored: true, ...written };
}

/**
 * The name under which a statement that creates or changes `relation` changes the schema: undefined
 * for a relation in another schema (not what an unqualified name finds) or a system catalog.
 */
export function schemaTarget(relation: RangeVar | undefined): string | undefined {
  const { relname, schemaname } = relation ?? {};
  if (!relname || isSystemCatalog(relname)) return undefined;
  if (schemaname && !SEARCHED_SCHEMAS.has(schemaname) && schemaname !== 'pg_temp') return undefined;
  return relname;
}

/** Whether a relation a statement acts on (DROP … IF EXISTS, ALTER … IF EXISTS) is there. */
export function relationExists(cx: CheckContext, relation: RangeVar | undefined): boolean {
  if (!relation?.relname) return false;
  if (relation.schemaname && !SEARCHED_SCHEMAS.has(relation.schemaname)) return true;
  return cx.schema.has(relation.relname) || cx.session.openWorld;
}

/** The relation a qualifier names; with `schema` (`ops.jobs.id`), only one written in that schema. */
export function findRelation(name: string, scope: Scope, schema?: string): Relation | undefined {
  const inSchema = (relation: Relation) =>
    relation.schema !== undefined
      ? relation.schema === schema
      : relation.stored && schema !== undefined && SEARCHED_SCHEMAS.has(schema);
  const matches = (relation: Relation) =>
    relation.name === name && (schema === undefined || inSchema(relation));
  for (let s: Scope | undefined = scope; s; s = s.parent) {
    const found = s.relations.find(matches);
    if (found) return found;
  }
  return undefined;
}

/** Does an unqualified name resolve in the scope chain (as a column or a whole-row reference)? */
function resolves(cx: CheckContext, name: string, scope: Scope): boolean {
  if (cx.placeholders.has(name)) return true;
  for (let s: Scope | undefined = scope; s; s = s.parent) {
    for (const relation of s.relations) {
      if (relation.columns === null || relation.columns.includes(name)) return true;
      if (relation.stored && SYSTEM_COLUMNS.has(name)) return true;
      if (relation.name === name) return true;
    }
  }
  return false;
}

export function checkColumnRef(cx: CheckContext, ref: ColumnRef, scope: Scope): void {
  const fields = ref.fields ?? [];
  const star = fields.length > 0 && 'A_Star' in fields[fields.length - 1]!;
  const names = fields.map(stringOf);
  const written = names.map((n) => n ?? '*').join('.');
  if (fields.length === 1) {
    if (!star && names[0]) checkUnqualified(cx, names[0], scope, ref.location);
    return;
  }
  // a.b: relation a, column b. a.b.c: schema.table.column, or table.column.field.
  const schema = fields.length === 3 ? names[0] : undefined;
  const attempts: [string | undefined, string | undefined, string | undefined][] = [
    [names[names.length - 2], star ? undefined : names[names.length - 1], schema],
  ];
  if (fields.length === 3) attempts.push([names[0], names[1], undefined]);
  for (const [relationName, column, inSchema] of attempts) {
    const relation = relationName ? findRelation(relationName, scope, inSchema) : undefined;
    if (!relation) continue;
    if (column) checkColumnOf(cx, relation, column, written, ref.location);
    return;
  }
  // Not a relation: maybe a composite column with a field (`col.field`).
  if (names[0] && resolves(cx, names[0], scope)) return;
  const relationName = names[names.length - 2] ?? '';
  if (cx.placeholders.has(relationName)) return;
  const visible: string[] = [];
  for (let s: Scope | undefined = scope; s; s = s.parent)
    for (const relation of s.relations) if (relation.name) visible.push(relation.name);
  cx.report(
    'unknown-table',
    `missing FROM-clause entry for table "${relationName}" (in "${written}")${suggestion(relationName, visible)}`,
    ref.location,
  );
}

function checkUnqualified(cx: CheckContext, name: string, scope: Scope, location: number | undefined): void {
  if (resolves(cx, name, scope)) return;
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
  cx.report(
    'unknown-column',
    `column "${name}" does not exist${where}${suggestion(name, candidates)}`,
    location,
  );
}

/** Reports `column` missing from `relation` (unless its columns are unknown). */
export function checkColumnOf(
  cx: CheckContext,
  relation: Relation,
  column: string,
  written: string,
  location: number | undefined,
): void {
  if (relation.columns === null || relation.columns.includes(column)) return;
  if (relation.stored && SYSTEM_COLUMNS.has(column)) return;
  cx.report(
    'unknown-column',
    `column "${written}" does not exist in ${relation.label}${suggestion(column, relation.columns)}`,
    location,
  );
}
