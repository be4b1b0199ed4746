/** What a name can refer to at one point of a query: the relations in FROM, the CTEs, the outer query. */
import type { Alias, RangeVar } from 'libpg-query';
import { strings } from './ast.ts';

/** Ordered column names, or null when they cannot be known (then any column is accepted). */
export type Columns = readonly string[] | null;

export interface Relation {
  /** The name it is referenced by in this query (alias, or table name); undefined for an unnamed subquery. */
  name: string | undefined;
  /** How findings describe it, e.g. `messages AS m`. */
  label: string;
  columns: Columns;
  /** A stored table (has system columns such as ctid). */
  stored: boolean;
  /** The schema it was written with (`ops.jobs`), if any. */
  schema?: string;
}

export interface Scope {
  relations: Relation[];
  ctes: Map<string, Columns>;
  parent: Scope | undefined;
}

export const SYSTEM_COLUMNS = new Set(['ctid', 'xmin', 'xmax', 'cmin', 'cmax', 'tableoid']);
/** The schemas an unqualified name is looked up in (the default search_path). */
export const SEARCHED_SCHEMAS = new Set(['public', 'pg_catalog']);

export function newScope(parent: Scope | undefined): Scope {
  return { relations: [], ctes: new Map(), parent };
}

/** A scope over just these relations (a DDL statement's table, a DML target). */
export function scopeOf(relations: Relation[], parent?: Scope): Scope {
  return { ...newScope(parent), relations };
}

export function withAliasNames(columns: Columns, alias: Alias | undefined): Columns {
  const names = strings(alias?.colnames);
  if (names.length === 0 || columns === null) return columns;
  return [...names, ...columns.slice(names.length)];
}

export function describe(relation: RangeVar): string {
  const name = relation.schemaname ? `${relation.schemaname}.${relation.relname}` : (relation.relname ?? '');
  return relation.alias?.aliasname ? `${name} AS ${relation.alias.aliasname}` : name;
}
