/**
 * Writes src/runbooks/pg-catalog.json: every table and view in schema pg_catalog of a real
 * PostgreSQL server, with its user-visible columns in attribute order, for the runbook SQL checker.
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
}

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

/** Parses the committed file back into column arrays. */
export function parsePgCatalog(text: string): PgCatalogFile {
  const file = JSON.parse(text) as { serverVersion: string; relations: Record<string, string> };
  const relations: Record<string, string[]> = {};
  for (const [name, columns] of Object.entries(file.relations))
    relations[name] = columns.split(' ').filter((column) => column !== '');
  return { serverVersion: file.serverVersion, relations };
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
    return { serverVersion: version.rows[0]?.server_version ?? 'unknown', relations };
  } finally {
    await client.end();
  }
}

/** JSON with one relation per line (columns space-separated), in the layout Biome leaves alone. */
export function formatPgCatalog(catalog: PgCatalogFile): string {
  const lines = Object.entries(catalog.relations).map(
    ([name, columns]) => `    ${JSON.stringify(name)}: ${JSON.stringify(columns.join(' '))}`,
  );
  return `{\n  "serverVersion": ${JSON.stringify(catalog.serverVersion)},\n  "relations": {\n${lines.join(',\n')}\n  }\n}\n`;
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
  console.log(
    `wrote ${Object.keys(catalog.relations).length} pg_catalog relations (PostgreSQL ${catalog.serverVersion}) to ${output}`,
  );
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main(process.argv.slice(2));
}
