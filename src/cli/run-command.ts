import path from 'node:path';
import type { Command } from 'commander';
import { formatMs } from '../core/duration.ts';
import { InputError } from '../core/errors.ts';
import type { GameDayResult } from '../engine/result.ts';
import { DEFAULT_RUNBOOK, DEFAULT_SCENARIOS_DIR, runGameDay } from '../engine/run-game-day.ts';
import { writeReports } from '../reporting/write-reports.ts';
import { readRunbook } from '../runbooks/parse-runbook.ts';

export const EXIT = { passed: 0, failed: 1, invalid: 2, stackUnavailable: 3, interrupted: 130 } as const;

export interface RunFlags {
  stack: string;
  stackConfig?: string;
  timeScale: string;
  reportDir: string;
  runbook?: string;
  scenarios?: string;
  scrapeInterval: string;
  allowRemoteTargets?: boolean;
  skipRemedy?: boolean;
  verifyRunbook?: boolean;
  /** The summary table goes to stderr, leaving stdout to the caller. */
  quiet?: boolean;
}

/** Checks every flag at once; each problem names the flag and the fix. */
function parseFlags(flags: RunFlags) {
  const problems: string[] = [];
  const timeScale = Number(flags.timeScale);
  if (!(timeScale > 0) || !Number.isFinite(timeScale)) {
    problems.push(
      `--time-scale: expected a number > 0 (60 runs "5 minutes" in 5 s), got "${flags.timeScale}"`,
    );
  }
  const scrapeIntervalMs = Number(flags.scrapeInterval);
  if (!Number.isInteger(scrapeIntervalMs) || scrapeIntervalMs < 10 || scrapeIntervalMs > 60_000) {
    problems.push(`--scrape-interval: expected milliseconds from 10 to 60000, got "${flags.scrapeInterval}"`);
  }
  if (!['embedded', 'containers', 'external'].includes(flags.stack)) {
    problems.push(`--stack: expected embedded, containers or external, got "${flags.stack}"`);
  }
  if (flags.stack === 'external' && !flags.stackConfig) {
    problems.push(
      "--stack-config: required with --stack external; compose/gameday-stack.json describes docker-compose.yml's stack",
    );
  }
  if (flags.stackConfig && flags.stack !== 'external') {
    problems.push(`--stack-config: only with --stack external (got --stack ${flags.stack})`);
  }
  if (problems.length > 0) throw new InputError(problems);
  return { timeScale, scrapeIntervalMs, stack: flags.stack as 'embedded' | 'containers' | 'external' };
}

/** `gameday run [ids…]`: a game day on the chosen stack, reports written, exit code per the contract. */
export function registerRunCommand(program: Command): void {
  program
    .command('run')
    .description('run scenarios (all, or the given ids) against a stack and write reports')
    .argument('[ids...]', 'scenario ids (default: all)')
    .option('--stack <kind>', 'embedded | containers | external', 'embedded')
    .option('--stack-config <file>', "the external stack's endpoints and commands (JSON)")
    .option('--time-scale <n>', 'divide every runbook duration by n', '60')
    .option('--report-dir <dir>', 'where reports go', 'reports')
    .option('--runbook <file>', 'the runbook document whose alerts and targets apply', DEFAULT_RUNBOOK)
    .option('--scenarios <dir>', 'scenario directory', DEFAULT_SCENARIOS_DIR)
    .option('--scrape-interval <ms>', 'how often metrics are scraped', '250')
    .option('--allow-remote-targets', 'allow faults against hosts that are not this machine')
    .option(
      '--skip-remedy',
      'inject and detect, but nobody responds: each scenario should end "not resolved"',
    )
    .action(async (ids: string[], flags: RunFlags) => {
      await executeRun(ids, flags);
    });
}

/** `gameday run` itself (also behind `gameday runbook verify`): runs, writes the reports, sets the exit code. */
export async function executeRun(ids: string[], flags: RunFlags): Promise<GameDayResult> {
  const { timeScale, scrapeIntervalMs, stack } = parseFlags(flags);
  const controller = new AbortController();
  let interrupts = 0;
  const interrupt = (signal: string) => {
    interrupts += 1;
    if (interrupts === 1) {
      process.stderr.write(`\n${signal}: stopping; reverting every fault before exit\n`);
      controller.abort();
    } else {
      process.stderr.write(`${signal} again: still reverting, please wait\n`);
    }
  };
  process.on('SIGINT', () => interrupt('SIGINT'));
  process.on('SIGTERM', () => interrupt('SIGTERM'));
  const started = performance.now();
  const stamp = () => `[${formatMs(performance.now() - started).padStart(8)}]`;
  const result = await runGameDay({
    ids,
    stack,
    stackConfig: flags.stackConfig ? path.resolve(flags.stackConfig) : undefined,
    timeScale,
    scrapeIntervalMs,
    runbookFile: flags.runbook ? path.resolve(flags.runbook) : undefined,
    scenariosDir: flags.scenarios ? path.resolve(flags.scenarios) : undefined,
    signal: controller.signal,
    allowRemoteTargets: flags.allowRemoteTargets,
    skipRemedy: flags.skipRemedy,
    verifyRunbook: flags.verifyRunbook,
    onProgress: (line) => process.stderr.write(`${stamp()} ${line}\n`),
    onEvent: (scenario, event) =>
      process.stderr.write(
        `${stamp()}   ${scenario} ${event.kind}${event.detail ? `: ${event.detail}` : ''}\n`,
      ),
  });
  const runbook = await readRunbook(result.runbookFile);
  const written = await writeReports(result, flags.reportDir, runbook.postmortemTemplate);
  // With --json (runbook verify) stdout carries only the JSON: the summary goes to stderr.
  (flags.quiet ? process.stderr : process.stdout).write(`\n${written.summary}\nreports: ${written.dir}\n`);
  process.exitCode =
    result.status === 'aborted' ? EXIT.interrupted : result.status === 'passed' ? EXIT.passed : EXIT.failed;
  return result;
}
