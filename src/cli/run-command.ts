import path from 'node:path';
import type { Command } from 'commander';
import { toMs } from '../core/duration.ts';
import { InputError } from '../core/errors.ts';
import { formatMs } from '../core/format.ts';
import { MAX_SEED } from '../core/seeded-pick.ts';
import type { AlertSourceKind } from '../detection/alert-source.ts';
import type { GameDayPlan } from '../engine/game-day-plan.ts';
import type { GameDayResult } from '../engine/result.ts';
import {
  DEFAULT_RUNBOOK,
  DEFAULT_SCENARIOS_DIR,
  type RoundsPlan,
  runGameDay,
} from '../engine/run-game-day.ts';
import { K6Load, requireK6 } from '../k6/k6-load.ts';
import { writeReports } from '../reporting/write-reports.ts';
import { CHECKPOINTS } from '../responders/checkpoints.ts';
import { ControlServer } from '../responders/control-server.ts';
import type { LiveStatus } from '../responders/live-status.ts';
import { ResponderDesk } from '../responders/responder-desk.ts';
import { readRunbook } from '../runbooks/parse-runbook.ts';
import { preferTheDesk } from '../stack/stack-priority.ts';
import { EXIT } from './exit-codes.ts';
import { LiveView } from './live-view.ts';

export interface RunFlags {
  stack: string;
  stackConfig?: string;
  /** Default: 60 in auto mode, 1 (real time) in game-day mode. */
  timeScale?: string;
  mode?: string;
  timeBox?: string;
  reportDir: string;
  runbook?: string;
  scenarios?: string;
  scrapeInterval: string;
  allowRemoteTargets?: boolean;
  skipRemedy?: boolean;
  verifyRunbook?: boolean;
  /** The summary table goes to stderr, leaving stdout to the caller. */
  quiet?: boolean;
  load: string;
  alertSource?: string;
  prometheusUrl?: string;
  alertmanagerUrl?: string;
  guard?: string[];
  /** local: gameday carries the faults out; fis: as AWS FIS experiments. */
  faults?: string;
  /** Game-day mode: play one blind round, picked from the ids given (or any). */
  blind?: boolean;
  seed?: string;
  facilitatorFile?: string;
  /** `gameday plan FILE`: the plan read from it. */
  plan?: GameDayPlan;
}

/** Checks every flag at once; each problem names the flag and the fix. */
export function parseRunFlags(flags: RunFlags) {
  const problems: string[] = [];
  const mode = flags.mode ?? 'auto';
  if (mode !== 'auto' && mode !== 'gameday')
    problems.push(`--mode: expected auto (the harness remedies) or gameday (people respond), got "${mode}"`);
  const timeScale = Number(flags.timeScale ?? (mode === 'gameday' ? '1' : '60'));
  if (!(timeScale > 0) || !Number.isFinite(timeScale)) {
    problems.push(
      `--time-scale: expected a number > 0 (60 runs "5 minutes" in 5 s), got "${flags.timeScale}"`,
    );
  }
  const timeBoxMs = flags.timeBox === undefined ? undefined : toMs(flags.timeBox);
  if (flags.timeBox !== undefined && !(timeBoxMs! > 0))
    problems.push(`--time-box: expected a duration such as 90s or 20m, got "${flags.timeBox}"`);
  if (flags.timeBox !== undefined && mode !== 'gameday')
    problems.push(
      '--time-box: only with --mode gameday (in auto mode the resolution target bounds each scenario)',
    );
  if (flags.skipRemedy && mode === 'gameday')
    problems.push('--skip-remedy: not with --mode gameday, where the harness never remedies anyway');
  const scrapeIntervalMs = Number(flags.scrapeInterval);
  if (!Number.isInteger(scrapeIntervalMs) || scrapeIntervalMs < 10 || scrapeIntervalMs > 60_000) {
    problems.push(`--scrape-interval: expected milliseconds from 10 to 60000, got "${flags.scrapeInterval}"`);
  }
  if (!['embedded', 'containers', 'testcontainers', 'external'].includes(flags.stack)) {
    problems.push(`--stack: expected embedded, containers, testcontainers or external, got "${flags.stack}"`);
  }
  if (flags.stack === 'external' && !flags.stackConfig) {
    problems.push(
      "--stack-config: required with --stack external; compose/gameday-stack.json describes docker-compose.yml's stack",
    );
  }
  if (flags.stackConfig && flags.stack !== 'external') {
    problems.push(`--stack-config: only with --stack external (got --stack ${flags.stack})`);
  }
  for (const guard of flags.guard ?? [])
    if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(guard))
      problems.push(`--guard: expected an alert name like ErrorRateHigh, got "${guard}"`);
  const faults = flags.faults ?? 'local';
  if (faults !== 'local' && faults !== 'fis')
    problems.push(
      `--faults: expected local (gameday carries them out) or fis (AWS FIS experiments), got "${faults}"`,
    );
  const seed = flags.seed === undefined ? undefined : Number(flags.seed);
  if (flags.seed !== undefined && !(Number.isInteger(seed) && seed! >= 0 && seed! <= MAX_SEED))
    problems.push(
      `--seed: expected a whole number from 0 to ${MAX_SEED} (the facilitator's sheet gives it), got "${flags.seed}"`,
    );
  if (flags.seed !== undefined && !flags.blind)
    problems.push('--seed: only with --blind (it replays a blind pick)');
  if (flags.blind && mode !== 'gameday')
    problems.push(
      '--blind: only with --mode gameday (people work the incident out; the harness would not need to)',
    );
  if (flags.blind && flags.plan)
    problems.push("--blind: not with a plan; write `blind:` on the plan's round");
  if (flags.facilitatorFile !== undefined && !flags.blind && !flags.plan)
    problems.push("--facilitator-file: only with --blind or `gameday plan` (it holds the rounds' answers)");
  if (!['builtin', 'k6'].includes(flags.load))
    problems.push(`--load: expected builtin (gameday's own traffic) or k6, got "${flags.load}"`);
  if (problems.length > 0) throw new InputError(problems);
  return {
    timeScale,
    scrapeIntervalMs,
    stack: flags.stack as 'embedded' | 'containers' | 'testcontainers' | 'external',
    mode: mode as 'auto' | 'gameday',
    timeBoxMs,
    faults: faults as 'local' | 'fis',
    seed,
  };
}

/** `gameday run [ids…]`: a game day on the chosen stack, reports written, exit code per the contract. */
export function registerRunCommand(program: Command): void {
  program
    .command('run')
    .description('run scenarios (all, or the given ids) against a stack and write reports')
    .argument('[ids...]', 'scenario ids (default: all)')
    .option('--stack <kind>', 'embedded | containers | testcontainers | external', 'embedded')
    .option('--stack-config <file>', "the external stack's endpoints and commands (JSON)")
    .option(
      '--mode <mode>',
      'auto: the harness remedies; gameday: people respond (gameday ctl, gameday mark)',
      'auto',
    )
    .option('--time-scale <n>', 'divide every runbook duration by n (default 60; 1 with --mode gameday)')
    .option(
      '--time-box <duration>',
      'game-day mode: revert a fault nobody fixed after this long, in wall time (default 2× the target)',
    )
    .option('--report-dir <dir>', 'where reports go', 'reports')
    .option('--runbook <file>', 'the runbook document whose alerts and targets apply', DEFAULT_RUNBOOK)
    .option('--scenarios <dir>', 'scenario directory', DEFAULT_SCENARIOS_DIR)
    .option('--scrape-interval <ms>', 'how often metrics are scraped', '250')
    .option('--allow-remote-targets', 'allow faults against hosts that are not this machine')
    .option(
      '--load <source>',
      "the traffic: builtin (gameday's own) or k6 (the exported script, k6 on PATH)",
      'builtin',
    )
    .option(
      '--alert-source <source>',
      "where 'the alert fired' is read: builtin (gameday's evaluator), prometheus or alertmanager (gameday runs both beside the embedded and containers stacks unless a URL is given)",
      'builtin',
    )
    .option('--prometheus-url <url>', 'a Prometheus someone runs (with --alert-source prometheus)')
    .option('--alertmanager-url <url>', 'an Alertmanager someone runs (with --alert-source alertmanager)')
    .option(
      '--guard <alert>',
      'a guard alert: if it fires during the fault, the scenario is aborted and every fault reverted (repeatable)',
      (value: string, previous: string[]) => [...previous, value],
      [] as string[],
    )
    .option(
      '--faults <by>',
      'local: gameday carries the faults out; fis: as AWS FIS experiments (the local stacks serve a FIS endpoint)',
      'local',
    )
    .option(
      '--skip-remedy',
      'inject and detect, but nobody responds: each scenario should end "not resolved"',
    )
    .option(
      '--blind',
      'with --mode gameday: play one scenario picked at random from the ids (or all), not named until it ends',
    )
    .option('--seed <n>', 'with --blind: replay the pick of this seed (from the facilitator sheet)')
    .option(
      '--facilitator-file <file>',
      'with --blind: where the seed, the pick and the answer key go (default: REPORT_DIR/facilitator-sheet.md); keep it from the responders',
    )
    .action(async (ids: string[], flags: RunFlags) => {
      await executeRun(ids, flags);
    });
}

/** `gameday run` itself (also behind `gameday runbook verify`): runs, writes the reports, sets the exit code. */
export async function executeRun(ids: string[], flags: RunFlags): Promise<GameDayResult> {
  const { timeScale, scrapeIntervalMs, stack, mode, timeBoxMs, faults, seed } = parseRunFlags(flags);
  const plan = roundsPlanOf(ids, flags, seed);
  // Before anything starts: a missing k6 is exit 3 with the install hint.
  const k6 = flags.load === 'k6' ? await requireK6() : undefined;
  // People type commands while a fault saturates the machine: the stack runs below them (and below
  // the harness) in game-day mode.
  if (mode === 'gameday') preferTheDesk();
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
  const view = new LiveView(process.stderr, mode);
  let latest: LiveStatus | undefined;
  const desk = mode === 'gameday' ? new ResponderDesk((reason) => controller.abort(reason)) : undefined;
  let control: ControlServer | undefined;
  let stopKeys: () => void = () => undefined;
  let result: GameDayResult;
  try {
    if (desk) {
      control = await ControlServer.start(desk, () => latest);
      stopKeys = listenForKeys(desk, (line) => view.line(line), interrupt);
      view.line(
        'game-day mode: the harness injects and watches; you fix it. In another terminal: `gameday ctl get pods`, `gameday ctl rollout history`, `gameday ctl psql` (connection strings), `gameday mark acknowledged`, `gameday mark root-cause "…"`, `gameday status`, `gameday abort`',
      );
      if (plan)
        view.line(
          `${plan.rounds.length} round(s)${plan.rounds.some((round) => round.blind) ? '; blind rounds are not named until they end (facilitator: `gameday reveal`)' : ''}; between rounds \`gameday next\` or Enter starts the next`,
        );
    }
    result = await runGameDay({
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
      faults,
      onEvent: (scenario, event) =>
        view.line(`${stamp()}   ${scenario} ${event.kind}${event.detail ? `: ${event.detail}` : ''}`),
      onStatus: (status) => {
        latest = status;
        view.update(status);
      },
      // Between scenarios there is no fault to show.
      onProgress: (line) => {
        latest = undefined;
        view.line(`${stamp()} ${line}`);
      },
      ...(desk
        ? {
            responders: {
              desk,
              ...(timeBoxMs === undefined ? {} : { timeBoxMs }),
              ...(plan ? { plan } : {}),
            },
          }
        : {}),
      ...(k6
        ? { services: () => ({ load: (resolved, on) => new K6Load(resolved, on, { k6, timeScale }) }) }
        : {}),
      alertSource: {
        kind: (flags.alertSource ?? 'builtin') as AlertSourceKind,
        ...(flags.prometheusUrl ? { prometheusUrl: flags.prometheusUrl } : {}),
        ...(flags.alertmanagerUrl ? { alertmanagerUrl: flags.alertmanagerUrl } : {}),
        guards: flags.guard ?? [],
      },
    });
  } finally {
    stopKeys();
    view.stop();
    await control?.close();
  }
  const runbook = await readRunbook(result.runbookFile);
  const written = await writeReports(result, flags.reportDir, runbook.postmortemTemplate);
  // With --json (runbook verify) stdout carries only the JSON: the summary goes to stderr.
  (flags.quiet ? process.stderr : process.stdout).write(`\n${written.summary}\nreports: ${written.dir}\n`);
  // Interrupted is interrupted, even when Ctrl-C came as the last scenario was already reverting.
  const interrupted = result.status === 'aborted' || controller.signal.aborted;
  process.exitCode = interrupted ? EXIT.interrupted : result.status === 'passed' ? EXIT.passed : EXIT.failed;
  return result;
}

/**
 * Game-day mode in a terminal: a key records a checkpoint, q aborts (faults reverted), Ctrl-C
 * interrupts as usual. Returns the function that gives the terminal back.
 */
function listenForKeys(
  desk: ResponderDesk,
  say: (line: string) => void,
  interrupt: (signal: string) => void,
): () => void {
  const input = process.stdin;
  if (!input.isTTY) return () => undefined;
  input.setRawMode(true);
  input.resume();
  input.setEncoding('utf8');
  const onKey = (key: string) => {
    if (key === '\u0003') return interrupt('SIGINT');
    if (key.toLowerCase() === 'q') return desk.abort('the facilitator pressed q');
    if (key === '\r' || key === '\n') {
      if (desk.next()) say('starting the next round');
      return;
    }
    const checkpoint = CHECKPOINTS.find((c) => c.key === key.toLowerCase());
    if (!checkpoint) return;
    try {
      // The timeline's event line shows a new checkpoint; only a repeated key needs an answer.
      const repeated = desk.has(checkpoint.id);
      const answer = desk.mark(checkpoint.id, 'key');
      if (repeated) say(answer);
    } catch (error) {
      say((error as Error).message);
    }
  };
  input.on('data', onKey);
  return () => {
    input.off('data', onKey);
    input.setRawMode(false);
    input.pause();
  };
}

/**
 * The rounds of this run, if it plays any: a plan's (`gameday plan`), or one blind round picked from the
 * ids (`--blind`). The facilitator's sheet goes to --facilitator-file, or beside the reports.
 */
function roundsPlanOf(ids: string[], flags: RunFlags, seed: number | undefined): RoundsPlan | undefined {
  const facilitatorFile = path.resolve(
    flags.facilitatorFile ?? path.join(flags.reportDir, 'facilitator-sheet.md'),
  );
  if (flags.plan)
    return {
      title: flags.plan.title,
      rounds: flags.plan.rounds,
      source: path.relative(process.cwd(), flags.plan.file) || flags.plan.file,
      ...(flags.plan.pauseMs === undefined ? {} : { pauseMs: flags.plan.pauseMs }),
      facilitatorFile,
      replay: (picked) => `set \`seed: ${picked}\` on the round's \`blind:\``,
    };
  if (!flags.blind) return undefined;
  return {
    title: 'blind round',
    rounds: [{ name: 'blind round', blind: { from: ids, ...(seed === undefined ? {} : { seed }) } }],
    source: '--blind',
    facilitatorFile,
    replay: (picked) =>
      `gameday run --mode gameday --blind --seed ${picked}${ids.length ? ` ${ids.join(' ')}` : ''}`,
  };
}
