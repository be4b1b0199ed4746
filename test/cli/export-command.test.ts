import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/run-cli.ts';

let dir: string;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'gameday-export-'));
});
afterAll(() => fs.rm(dir, { recursive: true, force: true }));

describe('gameday export', () => {
  it('k6: writes a script and a TestRun per scenario asked for, and a tsconfig to check them', async () => {
    const out = path.join(dir, 'k6');
    const result = await runCli([
      'export',
      'k6',
      'bad-deploy',
      'brute-force',
      '--out',
      out,
      '--parallelism',
      '4',
    ]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect((await fs.readdir(out)).sort()).toEqual([
      'bad-deploy.testrun.yaml',
      'bad-deploy.ts',
      'brute-force.testrun.yaml',
      'brute-force.ts',
      'tsconfig.json',
    ]);
    expect(await fs.readFile(path.join(out, 'bad-deploy.testrun.yaml'), 'utf8')).toMatch(/parallelism: 4/);
    expect(await fs.readFile(path.join(out, 'bad-deploy.ts'), 'utf8')).toMatch(/http:\/\/127\.0\.0\.1:3000/);
  });

  it('k6: refuses a target that is not http(s) and an unknown scenario, writing nothing', async () => {
    const out = path.join(dir, 'refused');
    const result = await runCli([
      'export',
      'k6',
      'no-such-scenario',
      '--out',
      out,
      '--target',
      'ftp://example',
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--target: expected an http\(s\) URL/);
    expect(result.stderr).toMatch(/no-such-scenario: no such scenario/);
    await expect(fs.access(out)).rejects.toThrow();
  });

  it('names what it can export when asked for something else', async () => {
    const result = await runCli(['export', 'grafana']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/export: unknown "grafana"; use one of: rules, rule-tests, k6/);
  });
});
