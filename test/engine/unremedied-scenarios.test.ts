import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GameDayResult } from '../../src/engine/result.ts';
import { runCli } from '../support/run-cli.ts';

/**
 * Every scenario's negative twin: the same fault with nobody responding. Each must fail with
 * "not resolved" — a scenario that passes without its remedy proves nothing about the remedy.
 */
let reportDir: string;
let stateDir: string;
let result: { code: number | null; stdout: string; stderr: string };
let report: GameDayResult;

beforeAll(async () => {
  reportDir = await fs.mkdtemp(path.join(os.tmpdir(), 'gameday-reports-'));
  stateDir = await fs.mkdtemp(path.join(os.tmpdir(), 'gameday-state-unremedied-'));
  result = await runCli(['run', '--skip-remedy', '--report-dir', reportDir], { GAMEDAY_STATE_DIR: stateDir });
  report = JSON.parse(
    await fs.readFile(path.join(reportDir, 'latest', 'report.json'), 'utf8'),
  ) as GameDayResult;
}, 400_000);
afterAll(async () => {
  await fs.rm(reportDir, { recursive: true, force: true });
  await fs.rm(stateDir, { recursive: true, force: true });
});

describe('every scenario without its remedy', () => {
  it('is detected, then fails "not resolved", and the run exits 1', () => {
    expect(result.code).toBe(1);
    expect(report.scenarios.length).toBeGreaterThanOrEqual(7);
    for (const scenario of report.scenarios) {
      expect(scenario.status, scenario.id).toBe('failed');
      expect(scenario.detection.fired, scenario.id).toBe(true);
      expect(scenario.remedy, scenario.id).toEqual([]);
      expect(scenario.reasons[0], scenario.id).toMatch(/^not resolved: /);
      expect(
        scenario.timeline.map((event) => event.kind),
        scenario.id,
      ).toContain('remedy-skipped');
    }
  });

  it('still reverts every fault and loses no acknowledged message', () => {
    for (const scenario of report.scenarios) {
      expect(scenario.faultsReverted, scenario.id).toBe(true);
      expect(scenario.lostMessages, scenario.id).toBe(0);
    }
  });
});
