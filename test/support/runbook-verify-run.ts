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

export interface FixRun {
  result: CliResult;
  /** What the first pass, `runbook verify` on the runbook as written, found. */
  checks: RunbookCheck[];
  /** What the second pass found on the corrected copy (empty when nothing was repaired). */
  rechecks: RunbookCheck[];
  /** The corrected copy, as written to --out. */
  fixed: string;
  /** Reads a file of the first pass's report directory (runbook-accuracy.md, report.json…). */
  file(name: string): Promise<string>;
  cleanup(): Promise<void>;
}

/**
 * `gameday runbook fix FILE IDS --diff --out TMP` as a user runs it: the patch on stdout, the summary
 * on stderr, both passes' reports in a private directory.
 */
export async function runFixCli(runbook: string, ids: string[]): Promise<FixRun> {
  const reportDir = await fs.mkdtemp(path.join(os.tmpdir(), 'gameday-fix-'));
  const stateDir = await fs.mkdtemp(path.join(os.tmpdir(), 'gameday-state-'));
  const out = path.join(reportDir, 'fixed.md');
  const result = await runCli(
    ['runbook', 'fix', runbook, ...ids, '--diff', '--out', out, '--report-dir', reportDir],
    { GAMEDAY_STATE_DIR: stateDir },
  );
  // Each pass writes its own run directory; in time order: the verify, then the re-verify.
  const runs = (await fs.readdir(reportDir, { withFileTypes: true }))
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
  const checksOf = async (run: string | undefined): Promise<RunbookCheck[]> => {
    if (run === undefined) return [];
    const report = JSON.parse(await fs.readFile(path.join(reportDir, run, 'report.json'), 'utf8'));
    return report.scenarios.flatMap((scenario: { runbookChecks: RunbookCheck[] }) => scenario.runbookChecks);
  };
  if (runs.length === 0)
    throw new Error(
      `gameday runbook fix exited ${result.code} without a report; stderr:\n${result.stderr.slice(-4000)}`,
    );
  return {
    result,
    checks: await checksOf(runs[0]),
    rechecks: await checksOf(runs[1]),
    fixed: await fs.readFile(out, 'utf8'),
    file: (name) => fs.readFile(path.join(reportDir, runs[0]!, name), 'utf8'),
    cleanup: async () => {
      await fs.rm(reportDir, { recursive: true, force: true });
      await fs.rm(stateDir, { recursive: true, force: true });
    },
  };
}
