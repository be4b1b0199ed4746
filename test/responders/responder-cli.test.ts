import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/run-cli.ts';

let stateDir: string;
beforeAll(async () => {
  stateDir = await fs.mkdtemp(path.join(os.tmpdir(), 'gameday-state-responder-cli-'));
});
afterAll(() => fs.rm(stateDir, { recursive: true, force: true }));

describe('game-day commands given bad input', () => {
  it('refuses flags that make no sense in game-day mode, naming each, before anything starts', async () => {
    const result = await runCli(
      ['run', '--mode', 'gameday', '--skip-remedy', '--time-box', 'soon', 'bad-deploy'],
      {
        GAMEDAY_STATE_DIR: stateDir,
      },
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--time-box: expected a duration such as 90s or 20m, got "soon"');
    expect(result.stderr).toContain('--skip-remedy: not with --mode gameday');
    expect(await fs.readdir(stateDir)).toEqual([]);
  });

  it('refuses an unknown mode and a time box outside game-day mode', async () => {
    const result = await runCli(['run', '--mode', 'manual', '--time-box', '5m'], {
      GAMEDAY_STATE_DIR: stateDir,
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      '--mode: expected auto (the harness remedies) or gameday (people respond), got "manual"',
    );
    expect(result.stderr).toContain('--time-box: only with --mode gameday');
  });

  it('names the checkpoints when given one that does not exist', async () => {
    const result = await runCli(['mark', 'coffee'], { GAMEDAY_STATE_DIR: stateDir });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      'checkpoint: expected one of acknowledged, root-cause, fix-deployed, service-restored, got "coffee"',
    );
  });

  it('says how to start a game day when none is running', async () => {
    for (const args of [['ctl', 'get', 'pods'], ['mark', 'acknowledged'], ['status'], ['abort']]) {
      const result = await runCli(args, { GAMEDAY_STATE_DIR: stateDir });
      expect(result.code, args.join(' ')).toBe(3);
      expect(result.stderr).toContain(
        'no game day is running here: start one with `gameday run --mode gameday`',
      );
    }
  });

  it('ignores the session file of a game day that died', async () => {
    await fs.mkdir(path.join(stateDir, 'session'), { recursive: true });
    // A pid far above pid_max's default: no such process.
    const dead = {
      pid: 4_194_000,
      url: 'http://127.0.0.1:9',
      token: 'x',
      startedAt: new Date().toISOString(),
    };
    await fs.writeFile(path.join(stateDir, 'session', 'game-day.json'), JSON.stringify(dead));
    const result = await runCli(['status'], { GAMEDAY_STATE_DIR: stateDir });
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('no game day is running here');
    await fs.rm(path.join(stateDir, 'session'), { recursive: true });
  });

  it('prints the ctl verbs for help, without a game day', async () => {
    const result = await runCli(['ctl', '--help'], { GAMEDAY_STATE_DIR: stateDir });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('rollout undo [--to-revision=N]');
  });
});
