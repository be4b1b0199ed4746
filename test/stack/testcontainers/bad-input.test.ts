import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { StackUnavailableError } from '../../../src/core/errors.ts';
import { STAND_INS } from '../../../src/stack/containers/compose-images.ts';
import { docker, GAMEDAY_LABEL } from '../../../src/stack/containers/docker-cli.ts';
import { startStack } from '../../../src/testing/index.ts';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../../..');

/**
 * Runs `script` (a shell command) where no Docker engine can be found: in a mount namespace of its
 * own with an empty /run over the real one, so the engine's socket is not there (the machine's
 * engine and everyone else using it are untouched).
 */
async function withoutDocker(script: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const unshare = process.getuid?.() === 0 ? ['--mount'] : ['--map-root-user', '--mount'];
  try {
    const { stdout, stderr } = await run(
      'unshare',
      [...unshare, 'sh', '-c', `mount -t tmpfs tmpfs /run && unset DOCKER_HOST && ${script}`],
      { cwd: root, env: { ...process.env, GAMEDAY_STATE_DIR: '/tmp/gameday-state-no-docker' } },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

async function testcontainersResources(): Promise<string[]> {
  const format = `{{.Label "${GAMEDAY_LABEL}"}}`;
  const containers = await docker(['ps', '--all', '--filter', `label=${GAMEDAY_LABEL}`, '--format', format]);
  const networks = await docker([
    'network',
    'ls',
    '--filter',
    `label=${GAMEDAY_LABEL}`,
    '--format',
    '{{.Name}}',
  ]);
  return [...containers.split('\n'), ...networks.split('\n')].filter((name) => name.startsWith('gdtc-'));
}

describe('the testcontainers stack, given what it cannot run with', () => {
  it('with no Docker engine: the CLI exits 3 and gameday/testing throws, each saying how to start one', async () => {
    const cli = await withoutDocker(
      `exec ${process.execPath} bin/gameday.js run dependency-down --stack testcontainers --report-dir /tmp/gameday-reports-no-docker`,
    );
    expect(cli.stderr).toMatch(
      /^gameday: no Docker engine answers \(.*\); start one \(`dockerd &`, after `apt-get install docker\.io`\)/,
    );
    expect(cli.code).toBe(3);
    const api = await withoutDocker(
      `exec ${process.execPath} --input-type=module -e "const { startStack } = await import('./src/testing/entry.js'); await startStack({ stack: 'testcontainers' }).catch((error) => console.log(error.name + ': ' + error.message))"`,
    );
    expect(api.stdout).toMatch(
      /^DockerUnavailableError: no Docker engine answers .* start one \(`dockerd &`/,
    );
  });

  it('with an image that is not here and cannot be pulled: names it, with the `gameday images` hint, and makes nothing', async () => {
    const before = await testcontainersResources();
    const error = await startStack({
      stack: 'testcontainers',
      images: {
        postgres: 'gameday-no-such-image:missing',
        toxiproxy: STAND_INS.GAMEDAY_TOXIPROXY_IMAGE,
        node: STAND_INS.GAMEDAY_NODE_IMAGE,
      },
    }).catch((failure: Error) => failure);
    expect(error).toBeInstanceOf(StackUnavailableError);
    const lines = String((error as Error).message).split('\n');
    expect(lines[0]).toBe('the testcontainers stack cannot start without its images:');
    expect(lines[1]).toMatch(
      /^ {2}- gameday-no-such-image:missing \(postgres, GAMEDAY_POSTGRES_IMAGE\): not in Docker's image store and cannot be pulled: /,
    );
    expect(lines).toHaveLength(3);
    expect(lines[2]).toMatch(/`npx gameday images --compose` builds stand-ins here/);
    expect(await testcontainersResources()).toEqual(before);
  });
});
