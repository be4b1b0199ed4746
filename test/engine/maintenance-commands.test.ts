import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../../src/core/errors.ts';
import { assertLoopbackTargets } from '../../src/stack/loopback-guard.ts';
import type { StackEndpoints } from '../../src/stack/stack.ts';
import { runCli } from '../support/run-cli.ts';

let stateDir: string;
beforeAll(async () => {
  stateDir = await fs.mkdtemp(path.join(os.tmpdir(), 'gameday-state-maintenance-'));
});
afterAll(() => fs.rm(stateDir, { recursive: true, force: true }));

describe('gameday cleanup', () => {
  it('settles the faults of a killed run whose stack is gone, and lists those it cannot revert', async () => {
    await fs.mkdir(path.join(stateDir, 'faults'), { recursive: true });
    const ledger = (runId: string, kind: string) => ({
      runId,
      owner: { pid: 999_999, startTime: 1 },
      stack: { kind, id: `stack-of-${runId}` },
      entries: [
        {
          id: 1,
          scenario: 's',
          kind: 'drop-index',
          description: 'drop index idx_x',
          params: { index: 'idx_x' },
          state: 'active',
          registeredAt: '',
        },
      ],
    });
    await fs.writeFile(
      path.join(stateDir, 'faults', 'killed-run.json'),
      JSON.stringify(ledger('killed-run', 'embedded')),
    );
    await fs.writeFile(
      path.join(stateDir, 'faults', 'external-run.json'),
      JSON.stringify(ledger('external-run', 'external')),
    );
    const result = await runCli(['cleanup'], { GAMEDAY_STATE_DIR: stateDir });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(
      'fault "drop index idx_x" of run killed-run: reverted (its stack stack-of-killed-run was removed)',
    );
    expect(result.stdout).toContain(
      'fault "drop index idx_x" of run external-run is still active on stack stack-of-external-run: revert it by hand',
    );
    expect((await fs.readdir(path.join(stateDir, 'faults'))).sort()).toEqual(['external-run.json']);
    const again = await runCli(['cleanup'], { GAMEDAY_STATE_DIR: path.join(stateDir, 'empty') });
    expect(again.stdout).toBe('nothing to clean up\n');
  });
});

describe('gameday cleanup and the rows a fault saved', () => {
  it('deletes the saved rows of a killed run whose stack is gone, keeps those a person still needs', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'gameday-state-damage-'));
    try {
      await fs.mkdir(path.join(dir, 'faults'), { recursive: true });
      await fs.mkdir(path.join(dir, 'damage'), { recursive: true });
      const saved = (runId: string) => path.join(dir, 'damage', `cleanup-job-${runId}.json`);
      const ledger = (runId: string, kind: string) => ({
        runId,
        owner: { pid: 999_999, startTime: 1 },
        stack: { kind, id: `stack-of-${runId}` },
        entries: [
          {
            id: 1,
            scenario: 'lost-messages',
            kind: 'bad-cleanup-job',
            description: 'a cleanup job deletes rows',
            params: { conversations: 2, newestMessagesSeconds: 4 },
            recorded: { savedRows: saved(runId) },
            state: 'active',
            registeredAt: '',
          },
        ],
      });
      for (const [runId, kind] of [
        ['killed-run', 'embedded'],
        ['external-run', 'external'],
      ] as const) {
        await fs.writeFile(path.join(dir, 'faults', `${runId}.json`), JSON.stringify(ledger(runId, kind)));
        await fs.writeFile(saved(runId), '{"conversations":[],"participants":[],"messages":[]}');
      }
      const result = await runCli(['cleanup'], { GAMEDAY_STATE_DIR: dir });
      expect(result.code).toBe(0);
      expect(result.stdout).toContain(`deleted ${saved('killed-run')}: no fault left to undo with it`);
      // The external stack's fault is still in place: its saved rows are how a person puts them back.
      expect(await fs.readdir(path.join(dir, 'damage'))).toEqual(['cleanup-job-external-run.json']);
      expect(result.stdout).toContain(saved('external-run'));
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});

describe('gameday export rules', () => {
  it('writes the alert rules with the runbook thresholds and durations (not scaled)', async () => {
    const result = await runCli(['export', 'rules']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('      - alert: ChatSendErrorRateHigh');
    expect(result.stdout).toMatch(/expr: .*\[5m\]\)\) > 0\.01\n/);
    expect(result.stdout).toContain('expr: max(database_query_duration_seconds{quantile="0.95"}) > 0.5\n');
    // The runbook's "5+ minutes sustained" where it says so; runbook 4 states no duration.
    expect(result.stdout).toMatch(/alert: ChatSendErrorRateHigh\n.*\n {8}for: 5m/);
    expect(result.stdout).toMatch(/alert: CircuitBreakerOpen\n.*\n {8}for: 0m/);
  });
});

describe('the loopback guard', () => {
  const endpoints = (host: string): StackEndpoints => ({
    frontUrl: `http://${host}:3001`,
    proxies: {},
    database: {
      primaryAdminUrl: 'postgresql://u:p@127.0.0.1:5432/chatdb',
      appUrl: 'postgresql://u:p@localhost:5432/chatdb',
      appUser: 'u',
      appDatabase: 'chatdb',
    },
  });

  it('accepts loopback hosts and refuses any other unless allowed', () => {
    expect(() => assertLoopbackTargets(endpoints('127.0.0.9'), false)).not.toThrow();
    expect(() => assertLoopbackTargets(endpoints('[::1]'), false)).not.toThrow();
    expect(() => assertLoopbackTargets(endpoints('chat.example.com'), false)).toThrow(InputError);
    expect(() => assertLoopbackTargets(endpoints('10.0.0.5'), false)).toThrow(
      /refusing to inject faults into non-loopback host\(s\) 10\.0\.0\.5/,
    );
    expect(() => assertLoopbackTargets(endpoints('10.0.0.5'), true)).not.toThrow();
  });
});
