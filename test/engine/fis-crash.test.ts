import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitUntil } from '../../src/core/wait.ts';
import { processStartTime, stackRegistry } from '../../src/stack/embedded/stack-registry.ts';
import type { LedgerFile } from '../../src/stack/fault-ledger.ts';
import { runCli } from '../support/run-cli.ts';

/**
 * `gameday run --faults fis` killed with SIGKILL while its experiment holds the primary frozen. The
 * endpoint died with the run, and the experiment with it; what its action did is in the run's ledger
 * as a local fault, registered after the experiment's own entry. `gameday cleanup` deals with the
 * experiment first, then the stack (removed, which thaws and stops the frozen primary). (The same
 * with an endpoint that outlives the run, AWS's: test/fis/leftover-experiments.test.ts.)
 */
let stateDir: string;
let reportDir: string;
beforeAll(async () => {
  stateDir = await fs.mkdtemp(path.join(os.tmpdir(), 'gameday-state-fis-crash-'));
  // This process reads the same registry (its stack record) as the run it starts.
  process.env.GAMEDAY_STATE_DIR = stateDir;
  reportDir = await fs.mkdtemp(path.join(os.tmpdir(), 'gameday-reports-fis-crash-'));
});
afterAll(async () => {
  await runCli(['cleanup'], { GAMEDAY_STATE_DIR: stateDir });
  await fs.rm(stateDir, { recursive: true, force: true });
  await fs.rm(reportDir, { recursive: true, force: true });
});

/** The kernel's state letter of a process: T when stopped (frozen by SIGSTOP). */
async function processState(pid: number): Promise<string | undefined> {
  const stat = await fs.readFile(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2)[0];
}

describe('a run killed in mid-experiment', () => {
  it('leaves the experiment and its fault in the ledger; cleanup deals with the experiment first, then reverts the stack', async () => {
    const child = spawn(
      process.execPath,
      [
        'bin/gameday.js',
        'run',
        '--scenarios',
        'test/engine/scenarios/fis-crash',
        '--faults',
        'fis',
        '--report-dir',
        reportDir,
      ],
      { env: { ...process.env, GAMEDAY_STATE_DIR: stateDir }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.stdout.resume();
    const id = await waitUntil(() => /fault-injected: .* by FIS experiment (EXP\w+)/.exec(stderr)?.[1], {
      timeoutMs: 150_000,
      intervalMs: 100,
      what: `the experiment to be in place: ${stderr.slice(-2000)}`,
    });
    const [record] = await stackRegistry.list();
    const primary = record!.processes.find((p) => p.name === 'postgres-primary')!;
    expect(await processState(primary.pid)).toBe('T');
    child.kill('SIGKILL');
    await waitUntil(() => child.signalCode === 'SIGKILL', { timeoutMs: 5_000, what: 'the run to die' });

    // Killed hard: the primary stays frozen, and the ledger holds the experiment, then its action.
    // (Here the test runner keeps the process group alive; killed in a shell, the run's group would be
    // orphaned with stopped processes in it, and the kernel would wake them with SIGHUP and SIGCONT.)
    expect(await processState(primary.pid)).toBe('T');
    const [name] = await fs.readdir(path.join(stateDir, 'faults'));
    const ledger = JSON.parse(await fs.readFile(path.join(stateDir, 'faults', name!), 'utf8')) as LedgerFile;
    expect(ledger.entries.map((e) => [e.id, e.kind, e.state])).toEqual([
      [1, 'freeze-primary', 'active'],
      [2, 'freeze-primary', 'active'],
    ]);
    const [experiment, action] = ledger.entries;
    expect(experiment!.recorded).toMatchObject({
      fis: { local: true, experimentId: id, endpoint: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/) },
    });
    expect(action!.description).toBe(
      `FIS aws:network:disrupt-connectivity (experiment ${id}, action freeze-primary): freeze the primary database (connections open, nothing answers)`,
    );

    const cleanup = await runCli(['cleanup'], { GAMEDAY_STATE_DIR: stateDir });
    expect(cleanup.code).toBe(0);
    const lines = cleanup.stdout.trim().split('\n');
    expect(lines[0]).toMatch(
      new RegExp(
        `^FIS experiment ${id} \\("freeze the primary database .* \\(FIS experiment ${id}\\)", run ${ledger.runId}\\): gameday's endpoint http://127\\.0\\.0\\.1:\\d+ died with that run, and the experiment with it`,
      ),
    );
    expect(lines[1]).toMatch(new RegExp(`^removed leftover stack ${record!.id}: stopped .*postgres-primary`));
    expect(lines[2]).toBe(
      `fault "${action!.description}" of run ${ledger.runId}: reverted (its stack ${record!.id} was removed)`,
    );
    expect(lines).toHaveLength(3);
    expect(await processStartTime(primary.pid)).toBeUndefined();
    expect(await stackRegistry.list()).toEqual([]);
    expect(await fs.readdir(path.join(stateDir, 'faults'))).toEqual([]);
  });
});
