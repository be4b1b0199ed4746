import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { docker, imageExists, requireDocker } from './docker-cli.ts';

const run = promisify(execFile);

/**
 * The image every gameday container starts from. No registry is reachable on the machines this
 * project runs on, so it is a Debian rootfs made here with debootstrap and imported; a user with a
 * registry may name any Debian-like image instead (GAMEDAY_BASE_IMAGE=debian:bookworm-slim).
 */
export const BASE_IMAGE = process.env.GAMEDAY_BASE_IMAGE ?? 'gameday-base:bookworm';

/** PostgreSQL refuses to run as root; its containers run as this user, made in the rootfs. */
export const POSTGRES_UID = 999;

function cacheDir(): string {
  return process.env.GAMEDAY_CACHE_DIR ?? path.join(os.homedir(), '.cache', 'gameday');
}

/**
 * Makes sure the base image exists: reuses it if Docker has it, else imports the cached rootfs
 * tarball, else builds that first (debootstrap, about 30 s from the Debian mirror). The tarball stays
 * in the cache, so a machine that lost its images imports it again in seconds.
 */
export async function ensureBaseImage(onProgress: (line: string) => void = () => undefined): Promise<string> {
  if (await imageExists(BASE_IMAGE)) return BASE_IMAGE;
  if (process.env.GAMEDAY_BASE_IMAGE)
    throw new Error(
      `GAMEDAY_BASE_IMAGE=${BASE_IMAGE} is not in Docker's image store: pull or build it, or unset GAMEDAY_BASE_IMAGE to build gameday's own`,
    );
  const tarball = path.join(cacheDir(), 'debian-bookworm-minbase.tar');
  if (!(await fs.stat(tarball).catch(() => undefined))) await buildRootfs(tarball, onProgress);
  onProgress(`importing ${tarball} as ${BASE_IMAGE}`);
  await docker([
    'import',
    '--change',
    'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    '--change',
    'LABEL io.gameday.image=base',
    tarball,
    BASE_IMAGE,
  ]);
  return BASE_IMAGE;
}

/** What a containers stack needs before it starts: an engine that answers, and the base image. */
export async function containersOption(onProgress: (line: string) => void): Promise<{ image: string }> {
  await requireDocker();
  return { image: await ensureBaseImage(onProgress) };
}

async function buildRootfs(tarball: string, onProgress: (line: string) => void): Promise<void> {
  if (process.getuid?.() !== 0)
    throw new Error(
      `building ${BASE_IMAGE} needs root (debootstrap); run as root once, or set GAMEDAY_BASE_IMAGE`,
    );
  const mirror = process.env.GAMEDAY_DEBIAN_MIRROR ?? 'http://deb.debian.org/debian';
  await fs.mkdir(path.dirname(tarball), { recursive: true });
  const root = await fs.mkdtemp(path.join(path.dirname(tarball), 'rootfs-'));
  try {
    onProgress(`debootstrap bookworm (minbase) from ${mirror}`);
    await run('debootstrap', ['--variant=minbase', 'bookworm', root, mirror], {
      maxBuffer: 64 * 1024 * 1024,
    }).catch((error: { code?: string; stderr?: string; message: string }) => {
      throw new Error(
        error.code === 'ENOENT'
          ? 'debootstrap is not installed: apt-get install debootstrap'
          : `debootstrap failed: ${(error.stderr || error.message).trim().split('\n').slice(-3).join(' ')}`,
      );
    });
    await run('chroot', [root, 'useradd', '--uid', String(POSTGRES_UID), '--create-home', 'postgres']);
    // Nothing of the build's own apt lists and caches is worth shipping.
    await run('sh', ['-c', `rm -rf "${root}"/var/lib/apt/lists/* "${root}"/var/cache/apt/*.bin`]);
    onProgress(`packing the rootfs into ${tarball}`);
    await run('tar', ['-C', root, '-cf', `${tarball}.partial`, '.']);
    await fs.rename(`${tarball}.partial`, tarball);
  } finally {
    await fs.rm(root, { recursive: true, force: true });
    await fs.rm(`${tarball}.partial`, { force: true });
  }
}
