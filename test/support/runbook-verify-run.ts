import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { RunbookCheck } from '../../src/engine/result.ts';
import { type CliResult, runCli } from './run-cli.ts';

export interface VerifyRun {
  result: CliResult;
  checks: RunbookCheck[];
  /** Reads a file of the run's report directory (runbook-accuracy.md, report.json…). */
  file(name: string): Promise<string>;
  cleanup(): Promise<void>;
}

/** `gameday runbook verify FILE IDS --json` as a user runs it, with private report and state directories. */
export async function runVerifyCli(runbook: string, ids: string[]): Promise<VerifyRun> {
  const reportDir = await fs.mkdtemp(path.join(os.tmpdir(), 'gameday-verify-'));
  const stateDir = await fs.mkdtemp(path.join(os.tmpdir(), 'gameday-state-'));
  const result = await runCli(['runbook', 'verify', runbook, ...ids, '--json', '--report-dir', reportDir], {
    GAMEDAY_STATE_DIR: stateDir,
  });
  return {
    result,
    checks: JSON.parse(result.stdout).checks,
    file: (name) => fs.readFile(path.join(reportDir, 'latest', name), 'utf8'),
    cleanup: async () => {
      await fs.rm(reportDir, { recursive: true, force: true });
      await fs.rm(stateDir, { recursive: true, force: true });
    },
  };
}
