import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface OsUser {
  uid: number;
  gid: number;
}

/**
 * PostgreSQL refuses to run as root. When we are root, its processes run as the `postgres`
 * system user (created if missing); otherwise they run as us and this returns undefined.
 */
export async function postgresOsUser(): Promise<OsUser | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const lookup = async (): Promise<OsUser> => {
    const [{ stdout: uid }, { stdout: gid }] = await Promise.all([
      run('id', ['-u', 'postgres']),
      run('id', ['-g', 'postgres']),
    ]);
    return { uid: Number(uid.trim()), gid: Number(gid.trim()) };
  };
  try {
    return await lookup();
  } catch {
    await run('useradd', ['--system', '--user-group', '--no-create-home', 'postgres']).catch(() => undefined);
    return lookup();
  }
}

/** Makes every file of a data directory belong to the postgres OS user (copies are made as root). */
export async function chownTree(dir: string): Promise<void> {
  const owner = await postgresOsUser();
  if (!owner) return;
  await fs.chown(dir, owner.uid, owner.gid);
  await fs.chmod(dir, 0o700);
  for (const entry of await fs.readdir(dir, { recursive: true })) {
    await fs.chown(path.join(dir, entry), owner.uid, owner.gid);
  }
}
