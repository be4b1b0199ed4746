import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { BASE_IMAGE, ensureBaseImage } from './base-image.ts';
import { docker, requireDocker } from './docker-cli.ts';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const IMAGES = path.join(ROOT, 'compose', 'images');
const SOURCE_LABEL = 'io.gameday.source';

/**
 * docker-compose.yml names the images users pull (official postgres, Shopify's Toxiproxy, Node); each
 * is overridable by one of these variables. Where no registry is reachable, `gameday images --compose`
 * builds stand-ins for them here and prints the settings that select them.
 */
export const STAND_INS = {
  GAMEDAY_NODE_IMAGE: 'gameday-node:20',
  GAMEDAY_POSTGRES_IMAGE: 'gameday-postgres:15',
  GAMEDAY_TOXIPROXY_IMAGE: 'gameday-toxiproxy:local',
  GAMEDAY_PROMETHEUS_IMAGE: 'gameday-prometheus:2.42',
  GAMEDAY_ALERTMANAGER_IMAGE: 'gameday-alertmanager:0.25',
} as const;

/** A digest of every file in the build context: an image built from other sources is rebuilt. */
async function digest(context: string): Promise<string> {
  const hash = createHash('sha256');
  const entries = await fs.readdir(context, { recursive: true, withFileTypes: true });
  const files = entries
    .filter((entry) => entry.isFile())
    .map((entry) => path.join(entry.parentPath, entry.name))
    .sort();
  for (const file of files) {
    hash.update(path.relative(context, file));
    hash.update(await fs.readFile(file));
  }
  hash.update(BASE_IMAGE);
  return hash.digest('hex').slice(0, 16);
}

async function builtFrom(image: string): Promise<string | undefined> {
  try {
    return (
      await docker(['image', 'inspect', '--format', `{{index .Config.Labels "${SOURCE_LABEL}"}}`, image])
    ).trim();
  } catch {
    return undefined;
  }
}

/** Builds `image` from its Dockerfile and the files `fill` adds, unless it was built from the same. */
async function standIn(
  image: string,
  fill: (context: string) => Promise<void>,
  onProgress: (line: string) => void,
): Promise<void> {
  const context = await fs.mkdtemp(path.join(os.tmpdir(), 'gameday-image-'));
  try {
    await fill(context);
    const source = await digest(context);
    if ((await builtFrom(image)) === source) return;
    onProgress(`building ${image}`);
    await docker([
      'build',
      '--quiet',
      '--build-arg',
      `BASE_IMAGE=${BASE_IMAGE}`,
      '--build-arg',
      `NODE_IMAGE=${STAND_INS.GAMEDAY_NODE_IMAGE}`,
      '--label',
      `${SOURCE_LABEL}=${source}`,
      '--tag',
      image,
      context,
    ]);
  } finally {
    await fs.rm(context, { recursive: true, force: true });
  }
}

/** The npm that runs this process, to copy beside its node binary. */
async function npmDirectory(): Promise<string> {
  const candidates = [
    path.join(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm'),
    path.join(path.dirname(process.execPath), 'node_modules', 'npm'),
  ];
  for (const candidate of candidates) {
    if (await fs.stat(path.join(candidate, 'bin', 'npm-cli.js')).catch(() => undefined)) return candidate;
  }
  throw new Error(`npm not found beside ${process.execPath}; looked in ${candidates.join(', ')}`);
}

/** The certificates this machine trusts (a TLS-inspecting egress adds its own), or none. */
async function hostCertificates(): Promise<string> {
  for (const file of [process.env.NODE_EXTRA_CA_CERTS, '/etc/ssl/certs/ca-certificates.crt']) {
    if (file) {
      const text = await fs.readFile(file, 'utf8').catch(() => undefined);
      if (text !== undefined) return text;
    }
  }
  return '';
}

/** Builds (or reuses) the stand-ins; returns the environment that points docker-compose.yml at them. */
export async function ensureComposeStandIns(
  onProgress: (line: string) => void = () => undefined,
): Promise<Record<keyof typeof STAND_INS, string>> {
  await requireDocker();
  await ensureBaseImage(onProgress);
  await standIn(
    STAND_INS.GAMEDAY_NODE_IMAGE,
    async (context) => {
      await fs.cp(path.join(IMAGES, 'node'), context, { recursive: true });
      await fs.copyFile(process.execPath, path.join(context, 'node'));
      await fs.cp(await npmDirectory(), path.join(context, 'npm'), { recursive: true });
      await fs.writeFile(path.join(context, 'ca-certificates.crt'), await hostCertificates());
    },
    onProgress,
  );
  // Debian's PostgreSQL, installed with apt-get inside the build: its mirror is reachable here.
  await standIn(
    STAND_INS.GAMEDAY_POSTGRES_IMAGE,
    (context) => fs.cp(path.join(IMAGES, 'postgres'), context, { recursive: true }),
    onProgress,
  );
  await standIn(
    STAND_INS.GAMEDAY_TOXIPROXY_IMAGE,
    async (context) => {
      await fs.cp(path.join(IMAGES, 'toxiproxy'), context, { recursive: true });
      await run(path.join(ROOT, 'node_modules', '.bin', 'esbuild'), [
        path.join(ROOT, 'src', 'proxy', 'main.ts'),
        '--bundle',
        '--platform=node',
        '--format=esm',
        '--target=node20',
        `--outfile=${path.join(context, 'toxiproxy.mjs')}`,
        '--log-level=warning',
      ]);
    },
    onProgress,
  );
  // Debian's Prometheus 2.42 and Alertmanager 0.25, as for PostgreSQL.
  for (const [image, dir] of [
    [STAND_INS.GAMEDAY_PROMETHEUS_IMAGE, 'prometheus'],
    [STAND_INS.GAMEDAY_ALERTMANAGER_IMAGE, 'alertmanager'],
  ] as const)
    await standIn(
      image,
      (context) => fs.cp(path.join(IMAGES, dir), context, { recursive: true }),
      onProgress,
    );
  return { ...STAND_INS };
}
