import { spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/run-cli.ts';

let stateDir: string;
beforeAll(async () => {
  stateDir = await fs.mkdtemp(path.join(os.tmpdir(), 'gameday-state-responder-cli-'));
});
afterAll(() => fs.rm(stateDir, { recursive: true, force: true }));
afterEach(() => fs.rm(path.join(stateDir, 'session'), { recursive: true, force: true }));

/** A session file as a run writes it (private folder and file), with the given content. */
async function writeSessionFile(content: object | string): Promise<string> {
  const file = path.join(stateDir, 'session', 'game-day.json');
  await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  await fs.writeFile(file, typeof content === 'string' ? content : JSON.stringify(content), { mode: 0o600 });
  return file;
}

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
    // A real pid that is gone: a child that has exited and been reaped.
    const child = spawn(process.execPath, ['-e', '0']);
    await once(child, 'exit');
    await writeSessionFile({
      pid: child.pid,
      startTime: 1,
      url: 'http://127.0.0.1:9',
      token: 'x',
      startedAt: '',
    });
    const result = await runCli(['status'], { GAMEDAY_STATE_DIR: stateDir });
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('no game day is running here');
  });

  it('refuses a session file others could read or plant, naming it and the fix', async () => {
    const file = await writeSessionFile({
      pid: process.pid,
      startTime: 1,
      url: 'http://127.0.0.1:9',
      token: 'x',
    });
    await fs.chmod(file, 0o644);
    const result = await runCli(['ctl', 'get', 'pods'], { GAMEDAY_STATE_DIR: stateDir });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`${file}: not a private file of yours`);
    expect(result.stderr).toContain('delete it, or set GAMEDAY_STATE_DIR to a directory of your own');
  });

  it('names a session file that is not JSON', async () => {
    const file = await writeSessionFile('{half');
    const result = await runCli(['status'], { GAMEDAY_STATE_DIR: stateDir });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`${file}: not a game-day session (not JSON); delete it`);
  });

  it('prints the ctl verbs for help, without a game day', async () => {
    const result = await runCli(['ctl', '--help'], { GAMEDAY_STATE_DIR: stateDir });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('rollout undo [--to-revision=N]');
  });
});
