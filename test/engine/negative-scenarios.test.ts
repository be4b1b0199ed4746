import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GameDayResult } from '../../src/engine/result.ts';
import { runCli } from '../support/run-cli.ts';

/** Scenarios that must fail: the harness is only useful if it can say "not detected" and "not resolved". */
let reportDir: string;
let stateDir: string;
let result: { code: number | null; stdout: string; stderr: string };
let report: GameDayResult;

beforeAll(async () => {
  reportDir = await fs.mkdtemp(path.join(os.tmpdir(), 'gameday-reports-'));
  stateDir = await fs.mkdtemp(path.join(os.tmpdir(), 'gameday-state-negative-'));
  result = await runCli(['run', '--scenarios', 'test/engine/scenarios/negative', '--report-dir', reportDir], {
    GAMEDAY_STATE_DIR: stateDir,
  });
  report = JSON.parse(
    await fs.readFile(path.join(reportDir, 'latest', 'report.json'), 'utf8'),
  ) as GameDayResult;
}, 180_000);
afterAll(async () => {
  await fs.rm(reportDir, { recursive: true, force: true });
  await fs.rm(stateDir, { recursive: true, force: true });
});

describe('scenarios that must fail', () => {
  it('exit 1 when any scenario fails', () => {
    expect(result.code).toBe(1);
    expect(report.status).toBe('failed');
  });

  it('an alert whose threshold cannot be reached reports "not detected"', () => {
    const scenario = report.scenarios.find((s) => s.id === 'alert-cannot-fire')!;
    expect(scenario.status).toBe('failed');
    expect(scenario.detection.fired).toBe(false);
    expect(scenario.detection.timeToDetectMs).toBeNull();
    expect(scenario.reasons[0]).toMatch(/^not detected: MisconfiguredErrorRate did not fire within 12\.0 s/);
    expect(scenario.alertRule.origin).toContain('threshold 0.9 set by the scenario');
    // Without detection the remedy never ran, and the fault was still reverted.
    expect(scenario.remedy).toEqual([]);
    expect(scenario.faultsReverted).toBe(true);
    expect(scenario.timeline.map((e) => e.kind)).toContain('fault-reverted');
  });

  it('a wrong remedy (restart instead of rollback) reports "not resolved"', () => {
    const scenario = report.scenarios.find((s) => s.id === 'wrong-remedy')!;
    expect(scenario.status).toBe('failed');
    expect(scenario.detection.fired).toBe(true);
    expect(scenario.remedy.map((step) => step.action)).toEqual(['restart']);
    expect(scenario.resolution.resolved).toBe(false);
    expect(scenario.reasons[0]).toMatch(/^not resolved: ChatSendErrorRateHigh is firing/);
    expect(scenario.faultsReverted).toBe(true);
    expect(scenario.lostMessages).toBe(0);
  });

  it('the JUnit report carries the failures with their reasons', async () => {
    const junit = await fs.readFile(path.join(reportDir, 'latest', 'junit.xml'), 'utf8');
    expect(junit).toContain('tests="2" failures="2" errors="0"');
    expect(junit).toMatch(/<failure message="not detected: MisconfiguredErrorRate did not fire/);
    expect(junit).toMatch(/<failure message="not resolved: ChatSendErrorRateHigh is firing/);
  });

  it('leaves nothing behind: no stack, no fault ledger', async () => {
    const left = await fs.readdir(stateDir, { recursive: true });
    expect(left.filter((name) => name.endsWith('.json'))).toEqual([]);
  });
});
