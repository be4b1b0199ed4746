import type { Command } from 'commander';
import type { GameDayResult } from '../engine/result.ts';
import { DEFAULT_SCENARIOS_DIR } from '../engine/run-game-day.ts';
import { executeRun } from './run-command.ts';

/** The flags `runbook verify` and `runbook fix` share. */
export interface VerifyFlags {
  timeScale: string;
  reportDir: string;
  scenarios: string;
  stack: string;
  stackConfig?: string;
}

/**
 * The scenarios of the runbook's incidents, with the runbook's own steps tried during each live fault
 * (`runbook verify`; `runbook fix` runs it on the document, then on the corrected copy). `quiet`: the
 * run's summary goes to stderr, leaving stdout to the command's own output.
 */
export function verifyDuringFaults(
  file: string,
  ids: string[],
  flags: VerifyFlags,
  quiet: boolean,
): Promise<GameDayResult> {
  return executeRun(ids, {
    stack: flags.stack,
    ...(flags.stackConfig ? { stackConfig: flags.stackConfig } : {}),
    timeScale: flags.timeScale,
    reportDir: flags.reportDir,
    runbook: file,
    scenarios: flags.scenarios,
    scrapeInterval: '250',
    load: 'builtin',
    verifyRunbook: true,
    quiet,
  });
}

/** The runbook document, the scenario ids and the options of `VerifyFlags`, on `runbook verify|fix`. */
export function withVerifyOptions(command: Command): Command {
  return command
    .argument('<file>', 'runbook document (Markdown)')
    .argument('[ids...]', 'scenario ids (default: all)')
    .option('--time-scale <n>', 'divide every runbook duration by n', '60')
    .option('--report-dir <dir>', 'where reports go', 'reports')
    .option('--scenarios <dir>', 'scenario directory', DEFAULT_SCENARIOS_DIR)
    .option('--stack <kind>', 'embedded | containers | external (with --stack-config)', 'embedded')
    .option(
      '--stack-config <file>',
      'an external stack: its endpoints, credentials, commands, Kubernetes names',
    );
}
