import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GameDayResult } from '../../src/engine/result.ts';

/**
 * gameday as a team uses it: `npm pack`, installed into a project of their own elsewhere, with their
 * own scenario files importing 'gameday'. Their editor's compiler accepts a correct scenario and
 * rejects a misspelt one; the CLI lists and runs theirs from their directory.
 */

const exec = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');
const tsc = path.join(root, 'node_modules/typescript/bin/tsc');
let project: string;

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

async function inProject(command: string, args: string[], timeout = 300_000) {
  try {
    const { stdout, stderr } = await exec(command, args, {
      cwd: project,
      timeout,
      maxBuffer: 64 * 1024 * 1024,
      env: { ...process.env, GAMEDAY_STATE_DIR: path.join(project, '.gameday-state') },
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
  const tarball = path.join(project, packed.stdout.trim().split('\n').at(-1)!);
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
