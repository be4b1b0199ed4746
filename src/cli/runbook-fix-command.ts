import fs from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { createTwoFilesPatch } from 'diff';
import type { GameDayResult, RunbookCheck } from '../engine/result.ts';
import { applyRepairs, type PlacedRepair } from '../runbooks/apply-repairs.ts';
import { readRunbook } from '../runbooks/parse-runbook.ts';
import { type NotRepaired, planRepairs } from '../runbooks/plan-repairs.ts';
import type { CheckStatus, JudgingRule } from '../runbooks/verdicts.ts';
import { EXIT } from './exit-codes.ts';
import { type VerifyFlags, verifyDuringFaults, withVerifyOptions } from './verify-during-faults.ts';

interface FixFlags extends VerifyFlags {
  out?: string;
  diff?: boolean;
}

/** A repair and what the live fault said of the corrected step. */
interface Reverified {
  repair: PlacedRepair;
  checks: RunbookCheck[];
  holds: boolean;
  /** What the corrected step is still wrong on, by rules the repair does not answer (listed, not held against it). */
  beyond: { rule: JudgingRule; status: CheckStatus; scenario: string; observed: string }[];
}

/** "docs/runbooks.md" → "docs/runbooks.fixed.md". */
function defaultOut(file: string): string {
  const { dir, name, ext } = path.parse(file);
  return path.join(dir, `${name}.fixed${ext || '.md'}`);
}

/**
 * `gameday runbook fix FILE [ids…]`: verify, rewrite each broken or inaccurate step with what worked
 * during the live fault, then verify the corrected copy the same way and say which repairs hold. Exit 1
 * when one does not (or a scenario failed); steps it cannot repair are listed with the reason and left
 * as written.
 */
export function registerRunbookFixCommand(runbook: Command): void {
  withVerifyOptions(
    runbook
      .command('fix')
      .description(
        'verify the runbook during live faults, write a corrected copy from what worked, and verify the copy',
      ),
  )
    .option('--out <file>', 'where the corrected copy goes (default: FILE.fixed.md beside it)')
    .option('--diff', 'print a unified diff of the repairs (for a pull request); the summary goes to stderr')
    .action(async (file: string, ids: string[], flags: FixFlags) => {
      const source = path.resolve(file);
      const document = await readRunbook(source);
      const out = path.resolve(flags.out ?? defaultOut(source));
      const say = (line: string) => process.stderr.write(`${line}\n`);
      say(
        `gameday runbook fix: verifying ${path.relative(process.cwd(), source) || source} during live faults`,
      );
      const first = await verifyDuringFaults(source, ids, flags, true);
      if (first.status === 'aborted') return;
      const plan = planRepairs(document, checksOf(first));
      const { lines, placed } = applyRepairs(document.lines, plan.repairs);
      await fs.mkdir(path.dirname(out), { recursive: true });
      await fs.writeFile(out, lines.join('\n'));
      let reverified: Reverified[] = [];
      let scenariosPassed = first.status === 'passed';
      if (placed.length > 0) {
        const scenarios = [...new Set(placed.flatMap((repair) => repair.triedIn))];
        say(
          `\n${placed.length} step(s) repaired in ${out}; verifying the corrected copy (${scenarios.join(', ')})`,
        );
        const second = await verifyDuringFaults(out, scenarios, flags, true);
        if (second.status === 'aborted') return;
        scenariosPassed &&= second.status === 'passed';
        reverified = judgeRepairs(placed, checksOf(second));
      }
      const failed = reverified.filter((entry) => !entry.holds);
      const report = fixSummary(out, reverified, plan.notRepaired);
      if (flags.diff) {
        // The patch alone on stdout (`… --diff > fix.patch`); the summary still reaches the terminal.
        const before = document.lines.join('\n');
        const shown = path.relative(process.cwd(), source) || source;
        process.stdout.write(
          createTwoFilesPatch(`a/${shown}`, `b/${shown}`, before, lines.join('\n'), '', '', { context: 3 }),
        );
        process.stderr.write(`\n${report}`);
      } else {
        process.stdout.write(report);
      }
      // A scenario that failed (as in `run`) fails the command too, as does a repair that did not hold.
      process.exitCode = failed.length > 0 || !scenariosPassed ? EXIT.failed : EXIT.passed;
    });
}

function checksOf(result: GameDayResult): RunbookCheck[] {
  return result.scenarios.flatMap((scenario) => scenario.runbookChecks);
}

const WRONG = new Set<CheckStatus>(['broken', 'inaccurate']);

/**
 * A repair holds when, on its lines in the corrected copy, no judgement by a rule it answers is broken
 * or inaccurate, and at least one scenario judged it again by one of them, or for `runs` tried it
 * again (a repair nobody re-ran proves nothing). What the other rules still find is kept beside it.
 */
export function judgeRepairs(placed: readonly PlacedRepair[], checks: readonly RunbookCheck[]): Reverified[] {
  return placed.map((repair) => {
    const mine = checks.filter(
      (check) => check.line >= repair.fixedLine && check.line <= repair.fixedEndLine,
    );
    const judged = mine.flatMap((check) =>
      check.judgements.map((judgement) => ({ ...judgement, scenario: check.scenario })),
    );
    const answered = judged.filter((judgement) => repair.answers.includes(judgement.rule));
    // A step tried again and not refused has run ('runs' is judged only when it fails); any other rule
    // must have judged it.
    const proven = answered.length > 0 || (mine.length > 0 && repair.answers.includes('runs'));
    const holds = proven && answered.every((judgement) => !WRONG.has(judgement.status));
    const beyond = judged
      .filter((judgement) => !repair.answers.includes(judgement.rule) && WRONG.has(judgement.status))
      .map(({ rule, status, scenario, observed }) => ({ rule, status, scenario, observed }));
    // Judged by rules it answers, the failures shown are those; else the check's own words.
    const shown = mine.map((check) => {
      const wrong = check.judgements.filter((j) => repair.answers.includes(j.rule) && WRONG.has(j.status));
      return wrong.length === 0
        ? check
        : { ...check, seen: wrong.map((j) => j.observed).join('; '), status: worstOf(wrong) };
    });
    return { repair, checks: shown, holds, beyond };
  });
}

function worstOf(judgements: readonly { status: CheckStatus }[]): CheckStatus {
  return judgements.some((j) => j.status === 'broken') ? 'broken' : 'inaccurate';
}

function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 110 ? `${flat.slice(0, 109)}…` : flat;
}

/** What the command says when it is done: each repair and its proof, what it left, and the counts. */
export function fixSummary(
  out: string,
  reverified: readonly Reverified[],
  notRepaired: readonly NotRepaired[],
): string {
  const lines: string[] = [];
  for (const { repair, checks, holds, beyond } of reverified) {
    const answering = repair.answers.join(', ');
    const verdict = holds
      ? `verified (${answering}): ${[...new Set(checks.map((check) => `${WRONG.has(check.status) ? 'ok on these rules' : check.status} in ${check.scenario}`))].join(', ')}`
      : checks.length === 0
        ? 'NOT verified: no scenario tried the corrected step'
        : `NOT verified (${answering}): ${checks
            .filter((check) => WRONG.has(check.status))
            .map((check) => `${check.status} in ${check.scenario}: ${oneLine(check.seen)}`)
            .join('; ')}`;
    lines.push(
      `line ${repair.line} → ${repair.fixedLine}  ${repair.why}`,
      `  - ${oneLine(repair.before.join(' '))}`,
      `  + ${oneLine(repair.after.slice(0, -1).join(' ') || repair.after.join(' '))}`,
      `  ${verdict}`,
      ...beyond.map(
        (left) =>
          `  not for this repair to mend: ${left.rule} ${left.status} in ${left.scenario}: ${oneLine(left.observed)}`,
      ),
    );
  }
  if (notRepaired.length > 0) lines.push('', 'not repaired (left as written):');
  for (const left of notRepaired)
    lines.push(
      `line ${left.line} (${left.status}, ${left.scenarios.join(', ')}): ${oneLine(left.step)}`,
      `  ${left.reason}`,
    );
  const held = reverified.filter((entry) => entry.holds).length;
  // A verified repair can sit on a line another rule still finds wrong: the count says so, not only the list.
  const stillWrong = reverified.filter((entry) => entry.beyond.length > 0).length;
  lines.push(
    '',
    `${reverified.length} repaired, ${held} verified, ${reverified.length - held} not verified; ${notRepaired.length} not repairable${stillWrong > 0 ? `; ${stillWrong} repaired line(s) still wrong by a rule no repair answers (listed under them)` : ''}`,
    `corrected copy: ${out}`,
  );
  return `${lines.join('\n')}\n`;
}
