import { randomBytes } from 'node:crypto';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitUntil } from '../../../src/core/wait.ts';
import { BASE_IMAGE, ensureBaseImage, POSTGRES_UID } from '../../../src/stack/containers/base-image.ts';
import {
  containerAddress,
  docker,
  labelled,
  removeLabelled,
  requireDocker,
  runContainer,
} from '../../../src/stack/containers/docker-cli.ts';
import { postgresBinaries } from '../../../src/stack/embedded/postgres-binaries.ts';

/**
 * The foundation of the containers stack on a machine with no image registry: a Debian base image
 * made here (debootstrap, docker import), running this machine's Node and the npm package's
 * PostgreSQL, every container labelled and removed by label.
 */
const stackId = `gameday-test-${randomBytes(3).toString('hex')}`;

beforeAll(async () => {
  await requireDocker();
  await ensureBaseImage();
}, 240_000);
afterAll(async () => {
  await removeLabelled(stackId);
});

describe('the containers foundation', () => {
  it('has the base image, labelled as gameday’s', async () => {
    const label = await docker([
      'image',
      'inspect',
      '--format',
      '{{index .Config.Labels "io.gameday.image"}}',
      BASE_IMAGE,
    ]);
    expect(label).toBe('base');
  });

  it('runs this machine’s Node inside it', async () => {
    const out = await docker([
      'run',
      '--rm',
      '--mount',
      `type=bind,source=${process.execPath},target=/usr/local/bin/node,readonly`,
      BASE_IMAGE,
      'node',
      '-p',
      'process.version',
    ]);
    expect(out).toBe(process.version);
  });

  it('runs the npm package’s PostgreSQL as an unprivileged user, reachable from the host at the container’s address', async () => {
    const native = path.dirname(path.dirname((await postgresBinaries()).postgres));
    const id = await runContainer({
      image: BASE_IMAGE,
      stackId,
      name: 'postgres',
      user: String(POSTGRES_UID),
      mounts: [{ source: native, target: '/opt/postgres' }],
      command: [
        'sh',
        '-c',
        'set -e; /opt/postgres/bin/initdb -D /tmp/data -U postgres --auth=trust >/dev/null; ' +
          'echo "host all all all trust" >> /tmp/data/pg_hba.conf; ' +
          "exec /opt/postgres/bin/postgres -D /tmp/data -c listen_addresses='*'",
      ],
    });
    const address = await containerAddress(id);
    let version = '';
    await waitUntil(
      async () => {
        const client = new pg.Client({ host: address, port: 5432, user: 'postgres', database: 'postgres' });
        try {
          await client.connect();
          version = (await client.query<{ v: string }>('SELECT version() AS v')).rows[0]!.v;
          return true;
        } catch {
          return false;
        } finally {
          await client.end().catch(() => undefined);
        }
      },
      { timeoutMs: 60_000, intervalMs: 250, what: 'PostgreSQL in its container' },
    );
    expect(version).toMatch(/^PostgreSQL \d+/);
    expect((await labelled(stackId)).containers).toHaveLength(1);
    // Removed by label, as the harness and `gameday cleanup` remove what they made.
    expect(await removeLabelled(stackId)).toBe(1);
    expect(await labelled(stackId)).toEqual({ containers: [], networks: [], volumes: [] });
  }, 120_000);
});
