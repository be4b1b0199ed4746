import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GameDayResult } from '../../src/engine/result.ts';
import { STAND_INS } from '../../src/stack/containers/compose-images.ts';
import { docker, GAMEDAY_LABEL } from '../../src/stack/containers/docker-cli.ts';

/**
 * gameday as a team uses it: `npm pack`, installed into a project of their own elsewhere, with their
 * own scenario files importing 'gameday'. Their editor's compiler accepts a correct scenario and
 * rejects a misspelt one; the CLI lists and runs theirs from their directory.
 */

const exec = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');
const tsc = path.join(root, 'node_modules/typescript/bin/tsc');
let project: string;
let tarball: string;

const TEAM_SCENARIO = `import { defineScenario } from 'gameday';

/** Our own drill: a password-guessing bot, blocked by address. */
export default defineScenario({
  id: 'team-brute-force',
  title: 'Our login page under a password-guessing bot',
  runbook: { number: 5 },
  stack: { seed: 'tiny', replicas: 1 },
  fault: { kind: 'auth-attack', sourceAddresses: ['127.0.0.77'], attemptsPerSecond: 25 },
  alert: {
    name: 'FailedLoginsFromOneAddress',
    unit: 'count',
    expr: { fn: 'max-increase-by', metric: 'auth_failures_total', by: 'source_ip', window: '1m' },
  },
  remedy: [{ action: 'block-offenders', minFailures: 10 }],
  restore: [{ action: 'unblock-all' }],
});
`;

const MISSPELT_SCENARIO = TEAM_SCENARIO.replace("id: 'team-brute-force'", "id: 'misspelt'").replace(
  "fault: { kind: 'auth-attack', sourceAddresses",
  "fault: { kind: 'auth-attack', sourceAdresses",
);

async function inProject(
  command: string,
  args: string[],
  timeout = 300_000,
  where = project,
  env: Record<string, string> = {},
) {
  try {
    const { stdout, stderr } = await exec(command, args, {
      cwd: where,
      timeout,
      maxBuffer: 64 * 1024 * 1024,
      env: { ...process.env, GAMEDAY_STATE_DIR: path.join(where, '.gameday-state'), ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

beforeAll(async () => {
  project = await fs.mkdtemp(path.join(os.tmpdir(), 'gameday-team-'));
  // A project folder as people have them (mkdtemp's is private): run as root, the embedded stack's
  // PostgreSQL runs as the postgres user, who must reach the binaries under node_modules.
  await fs.chmod(project, 0o755);
  const packed = await exec('npm', ['pack', '--pack-destination', project, '--silent'], {
    cwd: root,
    maxBuffer: 16 * 1024 * 1024,
  });
  tarball = path.join(project, packed.stdout.trim().split('\n').at(-1)!);
  const ours = JSON.parse(await fs.readFile(path.join(root, 'package.json'), 'utf8'));
  await fs.writeFile(
    path.join(project, 'package.json'),
    JSON.stringify(
      {
        name: 'team-resilience',
        private: true,
        type: 'module',
        dependencies: { gameday: `file:${tarball}` },
        allowScripts: ours.allowScripts,
      },
      null,
      2,
    ),
  );
  // Strict settings a team might have, none of gameday's own (no .ts import extensions, no paths).
  await fs.writeFile(
    path.join(project, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'ES2022',
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        strict: true,
        noEmit: true,
        skipLibCheck: true,
        types: [],
      },
      include: ['scenarios'],
    }),
  );
  await fs.mkdir(path.join(project, 'scenarios'));
  await fs.writeFile(path.join(project, 'scenarios', 'team-brute-force.ts'), TEAM_SCENARIO);
  const install = await inProject('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund']);
  if (install.code !== 0) throw new Error(`npm install failed:\n${install.stderr.slice(-3000)}`);
}, 600_000);

afterAll(() => fs.rm(project, { recursive: true, force: true }));

describe('the packed package in a team’s own project', () => {
  it('type-checks a correct scenario', async () => {
    const result = await inProject(process.execPath, [tsc, '-p', '.']);
    expect(result.stdout + result.stderr).toBe('');
    expect(result.code).toBe(0);
  });

  it('rejects a misspelt fault parameter at compile time, naming it', async () => {
    const misspelt = path.join(project, 'scenarios', 'misspelt.ts');
    await fs.writeFile(misspelt, MISSPELT_SCENARIO);
    try {
      const result = await inProject(process.execPath, [tsc, '-p', '.']);
      expect(result.code).not.toBe(0);
      expect(result.stdout).toMatch(/scenarios\/misspelt\.ts.*'sourceAdresses' does not exist/);
      expect(result.stdout).not.toMatch(/team-brute-force\.ts/);
    } finally {
      await fs.rm(misspelt);
    }
  });

  it('lists and runs the team’s scenario from its own directory', async () => {
    const list = await inProject('npx', ['gameday', 'list', '--scenarios', 'scenarios']);
    expect(list.stdout).toMatch(/team-brute-force/);
    expect(list.code).toBe(0);
    const run = await inProject('npx', [
      'gameday',
      'run',
      'team-brute-force',
      '--scenarios',
      'scenarios',
      '--report-dir',
      'reports',
    ]);
    const text = await fs
      .readFile(path.join(project, 'reports', 'latest', 'report.json'), 'utf8')
      .catch((error: Error) => {
        throw new Error(
          `no report (${error.message}); exit ${run.code}, stderr ends:\n${run.stderr.slice(-3000)}`,
        );
      });
    const report = JSON.parse(text) as GameDayResult;
    expect(report.scenarios.map((s) => [s.id, s.status, s.reasons])).toEqual([
      ['team-brute-force', 'passed', []],
    ]);
    expect(run.code).toBe(0);
  });
});

/**
 * examples/resilience-tests as a team runs it: its own package, gameday installed from the packed
 * tarball, `vitest run` with nothing gameday-specific in its config, on the testcontainers stack (the
 * images docker-compose.yml names replaced by the stand-ins `gameday images --compose` builds).
 */
describe('examples/resilience-tests against the packed package', () => {
  let example: string;

  beforeAll(async () => {
    example = await fs.mkdtemp(path.join(os.tmpdir(), 'gameday-resilience-'));
    await fs.chmod(example, 0o755);
    await fs.cp(path.join(root, 'examples/resilience-tests'), example, {
      recursive: true,
      filter: (source) => !source.includes('node_modules'),
    });
    const manifest = JSON.parse(await fs.readFile(path.join(example, 'package.json'), 'utf8'));
    manifest.devDependencies.gameday = `file:${tarball}`;
    manifest.allowScripts = JSON.parse(
      await fs.readFile(path.join(root, 'package.json'), 'utf8'),
    ).allowScripts;
    await fs.writeFile(path.join(example, 'package.json'), JSON.stringify(manifest, null, 2));
    const install = await inProject(
      'npm',
      ['install', '--prefer-offline', '--no-audit', '--no-fund'],
      300_000,
      example,
    );
    if (install.code !== 0) throw new Error(`npm install failed:\n${install.stderr.slice(-3000)}`);
  }, 600_000);

  afterAll(() => fs.rm(example, { recursive: true, force: true }));

  it('type-checks its tests against the packed declarations', async () => {
    const result = await inProject(process.execPath, [tsc, '-p', '.'], 300_000, example);
    expect(result.stdout + result.stderr).toBe('');
    expect(result.code).toBe(0);
  });

  it('passes its tests (503s and recovery without a restart, a slow database, a failover without loss), leaving nothing behind', async () => {
    const results = path.join(example, 'results.json');
    const run = await inProject(
      'npx',
      ['vitest', 'run', '--reporter=json', `--outputFile=${results}`],
      900_000,
      example,
      { ...STAND_INS },
    );
    const report = JSON.parse(
      await fs.readFile(results, 'utf8').catch(() => {
        throw new Error(
          `no results; exit ${run.code}; output ends:\n${(run.stdout + run.stderr).slice(-3000)}`,
        );
      }),
    ) as {
      testResults: {
        message?: string;
        assertionResults: { title: string; status: string; failureMessages: string[] }[];
      }[];
    };
    // A beforeAll that failed (no stack) skips every test: show its error rather than three "skipped".
    const outsideTests = report.testResults.map((file) => file.message).filter(Boolean);
    expect(outsideTests, 'errors outside any test').toEqual([]);
    const tests = report.testResults.flatMap((file) => file.assertionResults);
    expect(tests.map((test) => [test.title, test.status, test.failureMessages])).toEqual([
      [expect.stringMatching(/^answers 503 within 5 s of losing its database/), 'passed', []],
      [expect.stringMatching(/^keeps serving when every query takes 200 ms longer/), 'passed', []],
      [expect.stringMatching(/^fails over to the replica without losing a message/), 'passed', []],
    ]);
    expect(run.code).toBe(0);
    const left = await docker([
      'ps',
      '--all',
      '--filter',
      `label=${GAMEDAY_LABEL}`,
      '--format',
      `{{.Label "${GAMEDAY_LABEL}"}}`,
    ]);
    expect(left.split('\n').filter((id) => id.startsWith('gdtc-'))).toEqual([]);
  }, 900_000);
});
