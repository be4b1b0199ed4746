import { spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitUntil } from '../../src/core/wait.ts';
import type { GameDayResult } from '../../src/engine/result.ts';

/**
 * Ctrl-C while the primary database is frozen, in every mode: the harness holds connections and
 * queries to a server that answers nothing (in `runbook verify`, its diagnostics were stuck on them
 * for good once). Each step against the stack has a deadline and an abort abandons it, so the fault is
 * reverted and the run exits 130 within a bound: 15 s for what was under way, plus the undo (a thaw).
 */
const SHARED_RUNBOOK = path.resolve(
  import.meta.dirname,
  '../../../shared/runbooks/incident-response-runbooks.md',
);
const BOUND_MS = 30_000;

let stateDir: string;
let reportDir: string;
beforeAll(async () => {
  stateDir = await fs.mkdtemp(path.join(os.tmpdir(), 'gameday-state-frozen-'));
  reportDir = await fs.mkdtemp(path.join(os.tmpdir(), 'gameday-reports-frozen-'));
});
afterAll(async () => {
  await fs.rm(stateDir, { recursive: true, force: true });
  await fs.rm(reportDir, { recursive: true, force: true });
});

const MODES: [string, string[]][] = [
  ['runbook verify', ['runbook', 'verify', SHARED_RUNBOOK, 'database-hang']],
  ['auto', ['run', 'database-hang']],
  ['game day', ['run', '--mode', 'gameday', '--time-scale', '60', 'database-hang']],
];

describe.each(MODES)('Ctrl-C with the primary frozen (%s)', (_mode, args) => {
  it(`reverts the fault and exits 130 within ${BOUND_MS / 1000} s, leaving nothing behind`, async () => {
    const out = path.join(reportDir, _mode.replace(/\W+/g, '-'));
    const child = spawn(process.execPath, ['bin/gameday.js', ...args, '--report-dir', out], {
      env: { ...process.env, GAMEDAY_STATE_DIR: stateDir, CI: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.stdout.resume();
    const exited = once(child, 'exit') as Promise<[number | null]>;
    try {
      // Once the alert fires the responder's steps (or the harness's diagnostics) meet the frozen server.
      await waitUntil(() => /database-hang alert-firing/.test(stderr), {
        timeoutMs: 120_000,
        what: `the alert on the frozen primary; stderr so far:\n${stderr.slice(-2000)}`,
      });
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      const interrupted = Date.now();
      child.kill('SIGINT');
      const [code] = await exited;
      const tookMs = Date.now() - interrupted;
      console.log(`${_mode}: exit 130 ${tookMs} ms after SIGINT`);
      expect(code, stderr.slice(-3000)).toBe(130);
      expect(tookMs).toBeLessThan(BOUND_MS);
      expect(stderr).toMatch(/database-hang fault-reverted: freeze the primary database/);
      const report = JSON.parse(
        await fs.readFile(path.join(out, 'latest', 'report.json'), 'utf8'),
      ) as GameDayResult;
      expect(report.scenarios.map((s) => [s.id, s.status, s.faultsReverted])).toEqual([
        ['database-hang', 'aborted', true],
      ]);
      // No fault ledger and no stack record left for `gameday cleanup`.
      const left = (await fs.readdir(stateDir, { recursive: true })).filter((name) =>
        String(name).endsWith('.json'),
      );
      expect(left).toEqual([]);
    } finally {
      if (child.exitCode === null) {
        child.kill('SIGKILL');
        await exited;
      }
    }
  });
});
