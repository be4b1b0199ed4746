import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Clock } from '../../src/core/clock.ts';
import { waitUntil } from '../../src/core/wait.ts';
import { loadScenarios } from '../../src/engine/load-scenarios.ts';
import { runbookRemedy } from '../../src/engine/responses/runbook-remedy.ts';
import type { GameDayResult } from '../../src/engine/result.ts';
import { backendEnvFor, DEFAULT_RUNBOOK } from '../../src/engine/run-game-day.ts';
import { runScenario } from '../../src/engine/run-scenario.ts';
import { localServices } from '../../src/engine/scenario-services.ts';
import { readRunbook } from '../../src/runbooks/parse-runbook.ts';
import { EmbeddedStack } from '../../src/stack/embedded/embedded-stack.ts';
import { stackRegistry } from '../../src/stack/embedded/stack-registry.ts';
import { FaultLedger } from '../../src/stack/fault-ledger.ts';

const SCENARIOS = 'test/engine/scenarios/abortable';
let stateDir: string;

beforeAll(async () => {
  stateDir = await fs.mkdtemp(path.join(os.tmpdir(), 'gameday-state-interrupt-'));
  process.env.GAMEDAY_STATE_DIR = stateDir;
});
afterAll(() => fs.rm(stateDir, { recursive: true, force: true }));

async function indexState(url: string): Promise<{ exists: boolean; valid: boolean }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ valid: boolean }>(
      `SELECT i.indisvalid AS valid FROM pg_class c JOIN pg_index i ON i.indexrelid = c.oid
       WHERE c.relname = 'idx_messages_user_id_created_at'`,
    );
    return { exists: rows.length > 0, valid: rows[0]?.valid ?? false };
  } finally {
    await client.end();
  }
}

describe('interrupting a run in the middle of a fault', () => {
  it('reverts the fault (verified on the stack) and reports the scenario as aborted', async () => {
    const [resolved] = await loadScenarios({
      dir: SCENARIOS,
      runbooks: await readRunbook(DEFAULT_RUNBOOK),
      capabilities: EmbeddedStack.capabilities,
      stackKind: 'embedded',
    });
    const stack = await EmbeddedStack.up({ seed: 'tiny', replicas: 1, backendEnv: backendEnvFor(60) });
    try {
      const controller = new AbortController();
      const ledger = await FaultLedger.open('interrupt-test', { kind: 'embedded', id: stack.id });
      let faultSeenMissing = false;
      const clock = new Clock(60);
      const result = await runScenario(
        resolved!,
        {
          stack,
          clock,
          ledger,
          signal: controller.signal,
          services: localServices(clock, 250),
          onEvent: (event) => {
            if (event.kind !== 'fault-injected') return;
            // The fault is really there before the interruption…
            void indexState(stack.endpoints.database.primaryAdminUrl).then((state) => {
              faultSeenMissing = !state.exists;
              controller.abort();
            });
          },
        },
        runbookRemedy,
      );
      await ledger.close();
      expect(faultSeenMissing).toBe(true);
      expect(result.status).toBe('aborted');
      expect(result.reasons).toEqual(['interrupted: the run was stopped; faults were reverted']);
      expect(result.faultsReverted).toBe(true);
      // …and gone after it: the index is back and valid on the live stack.
      expect(await indexState(stack.endpoints.database.primaryAdminUrl)).toEqual({
        exists: true,
        valid: true,
      });
      await expect(fs.access(path.join(stateDir, 'faults', 'interrupt-test.json'))).rejects.toThrow();
    } finally {
      await stack.down();
    }
  });

  it('Ctrl-C on `gameday run` reverts, writes an "aborted" report, exits 130 and leaves nothing behind', async () => {
    const reportDir = await fs.mkdtemp(path.join(os.tmpdir(), 'gameday-reports-'));
    const child = spawn(
      process.execPath,
      ['bin/gameday.js', 'run', '--scenarios', SCENARIOS, '--report-dir', reportDir],
      {
        env: { ...process.env, GAMEDAY_STATE_DIR: stateDir },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.stdout.resume();
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    await waitUntil(() => /fault-injected/.test(stderr), {
      timeoutMs: 120_000,
      what: `the fault: ${stderr}`,
    });
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(stderr).toContain('SIGINT: stopping; reverting every fault before exit');
    expect(stderr).toMatch(/fault-reverted: drop index idx_messages_user_id_created_at/);
    const report = JSON.parse(
      await fs.readFile(path.join(reportDir, 'latest', 'report.json'), 'utf8'),
    ) as GameDayResult;
    expect(report.status).toBe('aborted');
    expect(report.scenarios[0]?.status).toBe('aborted');
    expect(await stackRegistry.list()).toEqual([]);
    expect((await fs.readdir(path.join(stateDir, 'faults'))).filter((f) => f.endsWith('.json'))).toEqual([]);
    await fs.rm(reportDir, { recursive: true, force: true });
  });
});
