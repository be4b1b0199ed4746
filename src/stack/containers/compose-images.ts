import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { BASE_IMAGE, ensureBaseImage } from './base-image.ts';
import { docker, imageExists, requireDocker } from './docker-cli.ts';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const IMAGES = path.join(ROOT, 'compose', 'images');

/**
 * docker-compose.yml names the images users pull (official postgres, Shopify's Toxiproxy, Node); each
 * is overridable by one of these variables. Where no registry is reachable, `gameday images --compose`
 * builds stand-ins for them here and prints the settings that select them.
 */
export const STAND_INS = {
  GAMEDAY_NODE_IMAGE: 'gameday-node:20',
  GAMEDAY_POSTGRES_IMAGE: 'gameday-postgres:15',
  GAMEDAY_TOXIPROXY_IMAGE: 'gameday-toxiproxy:local',
} as const;

async function build(image: string, context: string, onProgress: (line: string) => void): Promise<void> {
  onProgress(`building ${image}`);
  await docker([
    'build',
    '--quiet',
    '--build-arg',
    `BASE_IMAGE=${BASE_IMAGE}`,
    '--build-arg',
    `NODE_IMAGE=${STAND_INS.GAMEDAY_NODE_IMAGE}`,
    '--tag',
    image,
    '--label',
    'io.gameday.image=stand-in',
    context,
  ]);
}

/** Builds in a scratch context: the Dockerfile beside the files `fill` puts there. */
async function buildInScratch(
  image: string,
  dockerfileDir: string,
  fill: (context: string) => Promise<void>,
  onProgress: (line: string) => void,
): Promise<void> {
  const context = await fs.mkdtemp(path.join(os.tmpdir(), 'gameday-image-'));
  try {
    await fs.copyFile(path.join(dockerfileDir, 'Dockerfile'), path.join(context, 'Dockerfile'));
    await fill(context);
    await build(image, context, onProgress);
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
  if (!(await imageExists(STAND_INS.GAMEDAY_NODE_IMAGE))) {
    const npm = await npmDirectory();
    await buildInScratch(
      STAND_INS.GAMEDAY_NODE_IMAGE,
      path.join(IMAGES, 'node'),
      async (context) => {
        await fs.copyFile(process.execPath, path.join(context, 'node'));
        await fs.cp(npm, path.join(context, 'npm'), { recursive: true });
        await fs.writeFile(path.join(context, 'ca-certificates.crt'), await hostCertificates());
      },
      onProgress,
    );
  }
  if (!(await imageExists(STAND_INS.GAMEDAY_POSTGRES_IMAGE))) {
    // apt-get inside the build: Debian's mirror is reachable where the registry is not.
    await build(STAND_INS.GAMEDAY_POSTGRES_IMAGE, path.join(IMAGES, 'postgres'), onProgress);
  }
  if (!(await imageExists(STAND_INS.GAMEDAY_TOXIPROXY_IMAGE))) {
    await buildInScratch(
      STAND_INS.GAMEDAY_TOXIPROXY_IMAGE,
      path.join(IMAGES, 'toxiproxy'),
      async (context) => {
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
  }
  return { ...STAND_INS };
}
