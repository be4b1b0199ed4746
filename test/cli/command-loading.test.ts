import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/run-cli.ts';

/**
 * Each command loads only its own module: a responder's `gameday status`, `mark` and `ctl` during a
 * drill must not pay for testcontainers or the AWS SDK (a start took 2.4 s with every command loaded).
 */
const PRELOAD = new URL('../support/loaded-packages.cjs', import.meta.url).pathname;
let dir: string;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'gameday-loading-'));
});
afterAll(() => fs.rm(dir, { recursive: true, force: true }));

async function loadedBy(args: string[]) {
  const file = path.join(dir, `${args.join('-').replace(/\W+/g, '_')}.json`);
  const result = await runCli(args, {
    NODE_OPTIONS: `--require ${PRELOAD}`,
    GAMEDAY_LOADED_FILE: file,
    GAMEDAY_STATE_DIR: dir,
  });
  return { ...result, packages: JSON.parse(await fs.readFile(file, 'utf8')) as string[] };
}

describe('the CLI loads what the command needs', () => {
  it('gameday status loads neither testcontainers nor the AWS SDK', async () => {
    const { code, stderr, packages } = await loadedBy(['status', '--json']);
    expect(code, stderr).toBe(3);
    expect(stderr).toMatch(/no game day is running here/);
    expect(packages).toContain('commander');
    expect(packages).not.toContain('testcontainers');
    expect(packages).not.toContain('@aws-sdk/client-fis');
  });

  it('gameday run on the embedded stack does not load testcontainers', async () => {
    const { code, packages } = await loadedBy(['run', '--help']);
    expect(code).toBe(0);
    expect(packages).toContain('pg');
    expect(packages).not.toContain('testcontainers');
  });

  it('the overall help still lists every command, and a mistyped one is a usage error', async () => {
    const help = await runCli(['--help']);
    expect(help.code).toBe(0);
    for (const command of [
      'run',
      'plan',
      'list',
      'stack',
      'cleanup',
      'runbook',
      'status',
      'mark',
      'ctl',
      'abort',
    ])
      expect(help.stdout).toMatch(new RegExp(`^  ${command}\\b`, 'm'));
    const typo = await runCli(['stauts']);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toMatch(/unknown command 'stauts'/);
  });
});
