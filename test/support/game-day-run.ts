import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { GameDayResult } from '../../src/engine/result.ts';
import { type CliResult, runCli } from './run-cli.ts';

export interface GameDayRun {
  result: CliResult;
  /** Where the run wrote its reports (every run's folder and `latest`). */
  reportDir: string;
  report: GameDayResult;
  /** Reads a file of the run's report directory (report.json, junit.xml, postmortem.md…). */
  file(name: string): Promise<string>;
  /** Removes the run's report and state directories. */
  cleanup(): Promise<void>;
}

/**
 * `gameday run ARGS` as a user runs it, with private report and state directories. `alongside` runs
 * at the same time with the run's environment (people responding from another terminal).
 */
export async function runGameDayCli(
  args: string[],
  alongside?: (env: Record<string, string>) => Promise<unknown>,
  /** More of the run's environment (planted secrets). */
  extraEnv: Record<string, string> = {},
  /** `gameday plan FILE …` plays the rounds of a plan the same way. */
  command: 'run' | 'plan' = 'run',
): Promise<GameDayRun> {
  const reportDir = await fs.mkdtemp(path.join(os.tmpdir(), 'gameday-reports-'));
  const stateDir = await fs.mkdtemp(path.join(os.tmpdir(), 'gameday-state-'));
  const env = { ...extraEnv, GAMEDAY_STATE_DIR: stateDir };
  // Settled, not all: a failing responder must not leave the run (and its fault) going unawaited.
  const [run, beside] = await Promise.allSettled([
    runCli([command, ...args, '--report-dir', reportDir], env),
    alongside?.(env),
  ]);
  if (beside.status === 'rejected') throw beside.reason;
  if (run.status === 'rejected') throw run.reason;
  const result = run.value;
  const file = (name: string) => fs.readFile(path.join(reportDir, 'latest', name), 'utf8');
  // A run that wrote no report says why on stderr: that goes into the failure.
  const text = await file('report.json').catch((error: Error) => {
    throw new Error(
      `gameday ${command} ${args.join(' ')} exited ${result.code} without a report (${error.message}); its stderr ends:\n${result.stderr.slice(-4000)}`,
    );
  });
  const report = JSON.parse(text) as GameDayResult;
  return {
    result,
    reportDir,
    report,
    file,
    cleanup: async () => {
      // Nothing the run started may be left: no stack record, no fault ledger.
      const left = (await fs.readdir(stateDir, { recursive: true })).filter((name) =>
        String(name).endsWith('.json'),
      );
      await fs.rm(reportDir, { recursive: true, force: true });
      await fs.rm(stateDir, { recursive: true, force: true });
      if (left.length > 0) throw new Error(`the run left state behind: ${left.join(', ')}`);
    },
  };
}
