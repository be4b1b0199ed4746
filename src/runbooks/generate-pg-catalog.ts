/**
 * Writes src/runbooks/pg-catalog.json: every table and view in schema pg_catalog of a real
 * PostgreSQL server, with its user-visible columns in attribute order, for the runbook SQL checker;
 * and the relations of the extensions incident runbooks use (each created for the reading, in a
 * transaction that is rolled back: the database is left as it was; needs a superuser).
 *
 *   node --import tsx src/runbooks/generate-pg-catalog.ts <database-url> [output-file]
 *
 * The committed file was produced from the embedded PostgreSQL 18 server the harness runs. Each
 * relation is one line, its columns one space-separated string (Biome keeps long strings on one
 * line, where it would split a long array one element per line).
 */
import fs from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import pg from 'pg';

/** The catalog as read; in the file each column list is one space-separated string. */
export interface PgCatalogFile {
  /** `server_version` of the server the catalog was read from. */
  serverVersion: string;
  /** Relation name → column names (attnum order), for relkinds r, v, m, p and f. */
  relations: Record<string, string[]>;
  /** Extension → the relations it creates (none for most: they bring functions). */
  extensions: Record<string, Record<string, string[]>>;
}

/**
 * Extensions a database runbook may create or query: pg_stat_statements (slow queries) and
 * pg_buffercache (cache use) bring views; the others only functions, so creating them changes no table.
 */
export const RUNBOOK_EXTENSIONS = [
  'pg_stat_statements',
  'pg_buffercache',
  'pgstattuple',
  'pg_visibility',
  'pg_freespacemap',
  'pgrowlocks',
  'amcheck',
  'pg_prewarm',
  'pg_walinspect',
];

export const PG_CATALOG_FILE = fileURLToPath(new URL('./pg-catalog.json', import.meta.url));

const CATALOG_QUERY = `
  SELECT c.relname::text AS relname,
         coalesce(array_agg(a.attname::text ORDER BY a.attnum) FILTER (WHERE a.attname IS NOT NULL),
                  '{}') AS columns
  FROM pg_class c
  JOIN pg_namespace n ON n.oid = c.relnamespace
  LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
  WHERE n.nspname = 'pg_catalog' AND c.relkind IN ('r', 'v', 'm', 'p', 'f')
  GROUP BY c.relname
  ORDER BY c.relname`;

const EXTENSION_QUERY = `
  SELECT c.relname::text AS relname,
         coalesce(array_agg(a.attname::text ORDER BY a.attnum) FILTER (WHERE a.attname IS NOT NULL),
                  '{}') AS columns
  FROM pg_extension e
  JOIN pg_depend d ON d.refobjid = e.oid AND d.refclassid = 'pg_extension'::regclass
                  AND d.classid = 'pg_class'::regclass AND d.deptype = 'e'
  JOIN pg_class c ON c.oid = d.objid AND c.relkind IN ('r', 'v', 'm', 'p', 'f')
  LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
  WHERE e.extname = $1
  GROUP BY c.relname
  ORDER BY c.relname`;

/** Parses the committed file back into column arrays. */
export function parsePgCatalog(text: string): PgCatalogFile {
  const file = JSON.parse(text) as {
    serverVersion: string;
    relations: Record<string, string>;
    extensions?: Record<string, Record<string, string>>;
  };
  const split = (columns: string) => columns.split(' ').filter((column) => column !== '');
  const relations: Record<string, string[]> = {};
  for (const [name, columns] of Object.entries(file.relations)) relations[name] = split(columns);
  const extensions: Record<string, Record<string, string[]>> = {};
  for (const [extension, owned] of Object.entries(file.extensions ?? {})) {
    extensions[extension] = {};
    for (const [name, columns] of Object.entries(owned)) extensions[extension][name] = split(columns);
  }
  return { serverVersion: file.serverVersion, relations, extensions };
}

/** Reads the pg_catalog relations and their columns from the server at `url`. */
export async function readPgCatalog(url: string): Promise<PgCatalogFile> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const version = await client.query<{ server_version: string }>('SHOW server_version');
    const rows = await client.query<{ relname: string; columns: string[] }>(CATALOG_QUERY);
    const relations: Record<string, string[]> = {};
    for (const row of rows.rows) relations[row.relname] = row.columns;
    const extensions: Record<string, Record<string, string[]>> = {};
    await client.query('BEGIN');
    try {
      for (const extension of RUNBOOK_EXTENSIONS) {
        await client.query(`CREATE EXTENSION IF NOT EXISTS ${extension}`);
        const owned = await client.query<{ relname: string; columns: string[] }>(EXTENSION_QUERY, [
          extension,
        ]);
        extensions[extension] = Object.fromEntries(owned.rows.map((row) => [row.relname, row.columns]));
      }
    } finally {
      await client.query('ROLLBACK');
    }
    return { serverVersion: version.rows[0]?.server_version ?? 'unknown', relations, extensions };
  } finally {
    await client.end();
  }
}

/** JSON with one relation per line (columns space-separated), in the layout Biome leaves alone. */
export function formatPgCatalog(catalog: PgCatalogFile): string {
  const object = (entries: string[], indent: string) =>
    entries.length === 0 ? '{}' : `{\n${entries.join(',\n')}\n${indent}}`;
  const relations = (owned: Record<string, string[]>, indent: string) =>
    object(
      Object.entries(owned).map(
        ([name, columns]) => `${indent}  ${JSON.stringify(name)}: ${JSON.stringify(columns.join(' '))}`,
      ),
      indent,
    );
  const extensions = Object.entries(catalog.extensions).map(
    ([name, owned]) => `    ${JSON.stringify(name)}: ${relations(owned, '    ')}`,
  );
  return `{\n  "serverVersion": ${JSON.stringify(catalog.serverVersion)},\n  "relations": ${relations(catalog.relations, '  ')},\n  "extensions": ${object(extensions, '  ')}\n}\n`;
}

async function main(argv: string[]): Promise<void> {
  const [url, output = PG_CATALOG_FILE] = argv;
  if (!url) {
    console.error(
      'usage: node --import tsx src/runbooks/generate-pg-catalog.ts <database-url> [output-file]',
    );
    process.exitCode = 2;
    return;
  }
  const catalog = await readPgCatalog(url);
  await fs.writeFile(output, formatPgCatalog(catalog));
  const owned = Object.values(catalog.extensions).flatMap((relations) => Object.keys(relations));
  console.log(
    `wrote ${Object.keys(catalog.relations).length} pg_catalog relations and ${owned.length} extension relations (PostgreSQL ${catalog.serverVersion}) to ${output}`,
  );
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main(process.argv.slice(2));
}
