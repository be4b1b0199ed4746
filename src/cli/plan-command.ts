import path from 'node:path';
import type { Command } from 'commander';
import { formatMs } from '../core/format.ts';
import { type GameDayPlan, readPlan } from '../engine/game-day-plan.ts';
import { DEFAULT_RUNBOOK, DEFAULT_SCENARIOS_DIR } from '../engine/run-game-day.ts';
import { executeRun, type RunFlags } from './run-command.ts';

interface PlanFlags extends Omit<RunFlags, 'plan' | 'mode' | 'blind' | 'seed'> {
  briefing?: boolean;
}

/** The briefing read out before the day: the rounds, their time boxes and who plays what (no answers). */
export function briefing(plan: GameDayPlan): string {
  const lines = [`# ${plan.title}`, '', `${plan.rounds.length} round(s), run one after another.`];
  lines.push(
    plan.pauseMs === undefined
      ? 'Between rounds the facilitator starts the next one (`gameday next`, or Enter in the harness terminal).'
      : `Between rounds: a pause of ${formatMs(plan.pauseMs)} (\`gameday next\` or Enter ends it sooner).`,
    '',
  );
  for (const [index, round] of plan.rounds.entries()) {
    const what = round.blind
      ? `a blind pick${round.blind.from.length ? ` from ${round.blind.from.length} scenario(s)` : ''}: work it out from the alerts, the metrics, the pods and the logs`
      : `scenario ${round.scenario}`;
    lines.push(`## Round ${index + 1}: ${round.name ?? `round ${index + 1}`}`, '', `- ${what}`);
    lines.push(
      `- time box: ${round.timeBoxMs === undefined ? 'twice the severity’s resolution target' : formatMs(round.timeBoxMs)}`,
    );
    const { facilitator, responders, observers } = round.roles ?? {};
    if (facilitator) lines.push(`- facilitator: ${facilitator}`);
    if (responders?.length) lines.push(`- responders: ${responders.join(', ')}`);
    if (observers?.length) lines.push(`- observers: ${observers.join(', ')}`);
    lines.push('');
  }
  lines.push(
    'Responders: `gameday status`, `gameday ctl …`, `gameday mark acknowledged`, `gameday mark root-cause "…"`, `gameday mark fix-deployed`.',
    'Facilitator: `gameday reveal` names a blind round early, `gameday abort` calls a round off (its faults are reverted).',
  );
  return `${lines.join('\n')}\n`;
}

/** `gameday plan FILE.yaml`: the briefing, then the day's rounds in game-day mode, one report for all. */
export function registerPlanCommand(program: Command): void {
  program
    .command('plan')
    .description('run a game-day plan: rounds of named or blind scenarios, a briefing first, one report')
    .argument('<file>', 'the plan (YAML: title, pause, rounds of scenario or blind, timeBox, roles)')
    .option('--briefing', 'print the briefing and stop (nothing starts)')
    .option('--stack <kind>', 'embedded | containers | testcontainers | external', 'embedded')
    .option('--stack-config <file>', "the external stack's endpoints and commands (JSON)")
    .option('--time-scale <n>', 'divide every runbook duration by n (default 1: real time)')
    .option('--report-dir <dir>', 'where reports go', 'reports')
    .option('--runbook <file>', 'the runbook document whose alerts and targets apply', DEFAULT_RUNBOOK)
    .option('--scenarios <dir>', 'scenario directory', DEFAULT_SCENARIOS_DIR)
    .option('--scrape-interval <ms>', 'how often metrics are scraped', '250')
    .option(
      '--facilitator-file <file>',
      'where the seeds, the picks and the answer keys go (default: REPORT_DIR/facilitator-sheet.md)',
    )
    .option('--alert-source <source>', 'builtin, prometheus or alertmanager (as `gameday run`)', 'builtin')
    .action(async (file: string, flags: PlanFlags) => {
      const plan = await readPlan(path.resolve(file));
      process.stdout.write(briefing(plan));
      if (flags.briefing) return;
      const { briefing: _briefing, ...run } = flags;
      await executeRun([], { ...run, load: 'builtin', mode: 'gameday', plan });
    });
}
