import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunbookCheck } from '../../src/engine/result.ts';
import { type CliResult, runCli } from '../support/run-cli.ts';

/**
 * `gameday runbook verify` with the shared runbook: its diagnostic queries run during real faults and
 * are judged by what the harness knows independently (pg_blocking_pids, the runaway pids, the ledger).
 */
const SHARED = new URL('../../../shared/runbooks/incident-response-runbooks.md', import.meta.url).pathname;
let result: CliResult;
let checks: RunbookCheck[];
let reportDir: string;
let stateDir: string;

beforeAll(async () => {
  reportDir = await fs.mkdtemp(path.join(os.tmpdir(), 'gameday-verify-'));
  stateDir = await fs.mkdtemp(path.join(os.tmpdir(), 'gameday-state-'));
  result = await runCli(
    ['runbook', 'verify', SHARED, 'lock-contention', 'runaway-query', '--json', '--report-dir', reportDir],
    { GAMEDAY_STATE_DIR: stateDir },
  );
  checks = JSON.parse(result.stdout).checks;
}, 240_000);
afterAll(async () => {
  await fs.rm(reportDir, { recursive: true, force: true });
  await fs.rm(stateDir, { recursive: true, force: true });
});

const at = (scenario: string, line: number) =>
  checks.find((check) => check.scenario === scenario && check.line === line);

describe('gameday runbook verify on the shared runbook', () => {
  it('runs the runbook 3 queries during both live faults', () => {
    expect(new Set(checks.map((check) => check.scenario))).toEqual(
      new Set(['lock-contention', 'runaway-query']),
    );
    expect(checks.every((check) => check.runbook === 3)).toBe(true);
  });

  it('finds the real blocker with the lock-contention query, as pg_blocking_pids() does', () => {
    const blocking = at('lock-contention', 492)!;
    expect(blocking.status).toBe('ok');
    expect(blocking.seen).toMatch(/showing pid \d+/);
  });

  it('reports that the long-running-query list misses the blocker, which is idle in its transaction', () => {
    // WHERE state = 'active' lists the waiting inserts, not the session that holds the lock.
    const longRunning = at('lock-contention', 423)!;
    expect(longRunning.status).toBe('inaccurate');
    expect(longRunning.expected).toMatch(/the session holding the lock/);
    // The same query does show the runaway queries.
    expect(at('runaway-query', 423)?.status).toBe('ok');
    expect(at('runaway-query', 538)?.status).toBe('ok');
  });

  it('never runs a step that changes state, and writes the accuracy table', async () => {
    expect(checks.some((check) => /pg_terminate_backend|ALTER DATABASE/.test(check.step))).toBe(false);
    const table = await fs.readFile(path.join(reportDir, 'latest', 'runbook-accuracy.md'), 'utf8');
    expect(table).toMatch(/\| 3 \| 492 \| .* \| lock-contention \| ok \|/);
    expect(table).toMatch(/\| 3 \| 423 \| .* \| lock-contention \| inaccurate \|/);
    // Both scenarios still pass: the diagnostics only read, and are rolled back.
    expect(result.stderr).toMatch(/lock-contention: passed/);
    expect(result.stderr).toMatch(/runaway-query: passed/);
  });
});
