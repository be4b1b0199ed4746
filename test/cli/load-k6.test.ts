import { describe, expect, it } from 'vitest';
import { runCli } from '../support/run-cli.ts';

describe('gameday run --load', () => {
  it('k6 without a k6 binary: exit 3 with the install hint, before any stack starts', async () => {
    // PATH with node's own folder only: no k6 there.
    const result = await runCli(['run', 'bad-deploy', '--load', 'k6'], {
      PATH: process.execPath.replace(/\/node$/, ''),
    });
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/--load k6: no `k6` on PATH; install it/);
    expect(result.stderr).not.toMatch(/stack:/);
  });

  it('an unknown traffic source: exit 2 naming the choices', async () => {
    const result = await runCli(['run', 'bad-deploy', '--load', 'locust']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--load: expected builtin \(gameday's own traffic\) or k6, got "locust"/);
  });
});
