/** The relations a checked text may name, and where they come from. */
import fs from 'node:fs';
import { PG_CATALOG_FILE, type PgCatalogFile, parsePgCatalog } from '../generate-pg-catalog.ts';

/** Table → column names. Names are as PostgreSQL stores them (unquoted identifiers are lower-case). */
export interface SqlSchema {
  tables: Map<string, Set<string>>;
}

/** In a schema's column set, this entry means: the relation exists, its columns are not known. */
export const ANY_COLUMN = '*';

let catalogCache: PgCatalogFile | undefined;

function catalogFile(): PgCatalogFile {
  catalogCache ??= parsePgCatalog(fs.readFileSync(PG_CATALOG_FILE, 'utf8'));
  return catalogCache;
}

/**
 * The tables and views of pg_catalog, and the views of the extensions incident runbooks query
 * (pg_stat_statements, pg_stat_statements_info, pg_buffercache, pg_buffercache_numa), with their
 * columns, as read from a real PostgreSQL 18. Runbooks name those views unqualified, as if installed.
 */
export function postgresCatalog(): SqlSchema {
  const file = catalogFile();
  const tables = new Map<string, Set<string>>();
  for (const [name, columns] of Object.entries(file.relations)) tables.set(name, new Set(columns));
  for (const owned of Object.values(file.extensions))
    for (const [name, columns] of Object.entries(owned)) tables.set(name, new Set(columns));
  return { tables };
}

/** pg_catalog's own relations: no statement of a runbook changes them (the server refuses). */
export function isSystemCatalog(name: string): boolean {
  return Object.hasOwn(catalogFile().relations, name);
}

/** Extensions whose relations are known (most have none): creating one leaves the schema known. */
export function knownExtensions(): ReadonlySet<string> {
  return new Set(Object.keys(catalogFile().extensions));
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
