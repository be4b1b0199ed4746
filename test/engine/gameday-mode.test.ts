import { spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { GameDayResult } from '../../src/engine/result.ts';
import type { LiveStatus } from '../../src/responders/live-status.ts';
import { runGameDayCli } from '../support/game-day-run.ts';
import { scriptedResponder as responder } from '../support/responder-process.ts';
import { runCli } from '../support/run-cli.ts';

/**
 * Game-day mode with people responding, played by a scripted responder: a separate process that only
 * uses `gameday status`, `gameday ctl`, `gameday mark` and `gameday abort` (test/support/scripted-responder.ts).
 * The fix runs at time scale 20: the P1 target of bad-deploy is 60 s, the alert fires about 15 s after
 * the bad release. Each of the responder's five commands is a CLI start (2–5 s on a busy 2-core
 * machine): at time scale 30 (a 40 s target) CI once saw the fix land 2.5 s late. The runs that end in
 * a time box or an abort race no target, so they run at 60, where the baseline is a third as long.
 */

const ARGS = ['--mode', 'gameday', '--time-scale', '60', 'bad-deploy'];
const FIX_ARGS = ['--mode', 'gameday', '--time-scale', '20', 'bad-deploy'];

describe('game-day mode', () => {
  it('times people who fix it: checkpoints, their commands, the runbook steps they used', async () => {
    const run = await runGameDayCli(FIX_ARGS, responder('fix'));
    try {
      expect(run.result.code, run.result.stderr).toBe(0);
      expect(run.report.mode).toBe('gameday');
      const [scenario] = run.report.scenarios;
      expect(scenario!.status, scenario!.reasons.join('; ')).toBe('passed');
      // Nobody but the responder remedied it.
      expect(scenario!.remedy).toEqual([]);
      const responders = scenario!.responders!;
      expect(responders.checkpoints.map((c) => [c.id, c.source])).toEqual([
        ['acknowledged', 'mark'],
        ['root-cause', 'mark'],
        ['fix-deployed', 'mark'],
        ['service-restored', 'detected'],
      ]);
      const atMs = responders.checkpoints.map((c) => c.atMs);
      expect([...atMs].sort((a, b) => a - b)).toEqual(atMs);
      expect(responders.actions.map((a) => [a.action, a.changes, a.ok])).toEqual([
        ['rollout-history', false, true],
        ['rollback', true, true],
      ]);
      // TTR counts from the fault to the recovery the harness saw, after the rollback.
      const rollbackAt = responders.actions[1]!.atMs;
      const injectedAt = scenario!.timeline.find((e) => e.kind === 'fault-injected')!.atMs;
      expect(injectedAt + scenario!.resolution.timeToResolveMs!).toBeGreaterThan(rollbackAt);
      const rollbackStep = responders.runbookSteps.find((step) => step.action === 'rollback');
      expect(rollbackStep?.used).toBe(true);
      expect(responders.runbookSteps.some((step) => step.action && !step.used)).toBe(true);
      const postmortem = await run.file('postmortem.md');
      expect(postmortem).toMatch(
        /Runbook steps used \(\d+\):\n(- line .*\n)*- line \d+: `kubectl rollout undo/,
      );
      expect(postmortem).toContain('Runbook steps not used');
      expect(postmortem).toContain('`rollout undo deployment/chat-backend` (changed the deployment)');
      // The timeline's acknowledged line carries the marked time, not "not reached".
      expect(postmortem).toMatch(/^- \d\d:\d\d:\d\d \(fault \+ [\d.]+ s;.*\) - On-call acknowledged/m);
      expect(scenario!.faultsReverted).toBe(true);
    } finally {
      await run.cleanup();
    }
  });

  it('reverts a fault nobody fixes when the time box runs out, and fails the scenario', async () => {
    // 20 s: the responder's three commands after the fault is in place are three CLI starts, 4 s each
    // and more on a busy machine; at 12 s CI once saw the box close before its last one.
    const run = await runGameDayCli([...ARGS, '--time-box', '20s'], responder('never'));
    try {
      expect(run.result.code).toBe(1);
      const [scenario] = run.report.scenarios;
      expect(scenario!.status).toBe('failed');
      expect(scenario!.reasons).toContain(
        'time box: not resolved within 20.0 s of the fault; the harness reverted the fault itself',
      );
      const kinds = scenario!.timeline.map((e) => e.kind);
      expect(kinds.indexOf('fault-reverted')).toBeGreaterThan(kinds.indexOf('time-box'));
      const injected = scenario!.timeline.find((e) => e.kind === 'fault-injected')!.atMs;
      const boxed = scenario!.timeline.find((e) => e.kind === 'time-box')!.atMs;
      expect(boxed - injected).toBeGreaterThanOrEqual(20_000);
      expect(scenario!.faultsReverted).toBe(true);
      expect(scenario!.responders!.checkpoints.map((c) => c.id)).toEqual(['acknowledged']);
      expect(await run.file('postmortem.md')).toContain('Nobody fixed it in time');
    } finally {
      await run.cleanup();
    }
  });

  it("stops at the facilitator's abort, reverts the fault and exits 130", async () => {
    const run = await runGameDayCli(ARGS, responder('abort'));
    try {
      expect(run.result.code).toBe(130);
      const [scenario] = run.report.scenarios;
      expect(scenario!.status).toBe('aborted');
      expect(scenario!.reasons[0]).toBe('interrupted: drill called off; faults were reverted');
      const kinds = scenario!.timeline.map((e) => e.kind);
      expect(kinds).toContain('facilitator-abort');
      expect(kinds.indexOf('fault-reverted')).toBeGreaterThan(kinds.indexOf('facilitator-abort'));
      expect(scenario!.faultsReverted).toBe(true);
      // cleanup() fails when anything was left in the state directory, the session file included.
    } finally {
      await run.cleanup();
    }
  });
});

/** `gameday status --json` until `ready` holds. */
async function statusUntil(env: Record<string, string>, ready: (status: LiveStatus) => boolean) {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    const { code, stdout } = await runCli(['status', '--json'], env);
    const status = code === 0 ? (JSON.parse(stdout) as LiveStatus | null) : null;
    if (status && ready(status)) return status;
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
  throw new Error('the game day never reached the awaited state');
}

describe('game-day mode in a terminal', () => {
  it('shows the live view, records a checkpoint from a key and aborts on q', async () => {
    const reportDir = await fs.mkdtemp(path.join(os.tmpdir(), 'gameday-reports-'));
    const stateDir = await fs.mkdtemp(path.join(os.tmpdir(), 'gameday-state-'));
    const env = { GAMEDAY_STATE_DIR: stateDir };
    // A failed wait must not leave the run going: q makes it revert its fault and exit.
    let stopScript = async (): Promise<void> => undefined;
    try {
      const command = [process.execPath, 'bin/gameday.js', 'run', ...ARGS, '--report-dir', reportDir].join(
        ' ',
      );
      // `script` gives the run a pseudo-terminal, so it reads keys and redraws its view as for a person.
      const child = spawn('script', ['-qfec', command, '/dev/null'], {
        env: { ...process.env, ...env, CI: '' },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let screen = '';
      child.stdout.on('data', (chunk: Buffer) => {
        screen += chunk.toString();
      });
      const exited = once(child, 'exit');
      stopScript = async () => {
        if (child.exitCode !== null) return;
        child.stdin.write('q');
        await exited;
      };
      await statusUntil(env, (status) => status.faultActiveMs !== undefined);
      child.stdin.write('a');
      await statusUntil(env, (status) => status.checkpoints.some((c) => c.id === 'acknowledged'));
      child.stdin.write('q');
      const [code] = (await exited) as [number | null];
      expect(code, screen.slice(-2000)).toBe(130);
      expect(screen).toContain('keys: [a] acknowledged');
      expect(screen).toMatch(/fault active for \d+:\d\d · alert ChatSendErrorRateHigh/);
      const report = JSON.parse(
        await fs.readFile(path.join(reportDir, 'latest', 'report.json'), 'utf8'),
      ) as GameDayResult;
      const [scenario] = report.scenarios;
      expect(scenario!.responders!.checkpoints.map((c) => [c.id, c.source])).toEqual([
        ['acknowledged', 'key'],
      ]);
      expect(scenario!.reasons[0]).toBe('interrupted: the facilitator pressed q; faults were reverted');
      expect(scenario!.faultsReverted).toBe(true);
    } finally {
      await stopScript();
      await fs.rm(reportDir, { recursive: true, force: true });
      await fs.rm(stateDir, { recursive: true, force: true });
    }
  });
});
