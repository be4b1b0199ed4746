import fs from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { createTwoFilesPatch } from 'diff';
import type { GameDayResult, RunbookCheck } from '../engine/result.ts';
import { applyRepairs, type PlacedRepair } from '../runbooks/apply-repairs.ts';
import { readRunbook } from '../runbooks/parse-runbook.ts';
import { type NotRepaired, planRepairs } from '../runbooks/plan-repairs.ts';
import { EXIT } from './run-command.ts';
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
}

/** "docs/runbooks.md" → "docs/runbooks.fixed.md". */
function defaultOut(file: string): string {
  const { dir, name, ext } = path.parse(file);
  return path.join(dir, `${name}.fixed${ext || '.md'}`);
}

/**
 * `gameday runbook fix FILE [ids…]`: verify, rewrite each broken or inaccurate step with what worked
 * during the live fault, then verify the corrected copy the same way and say which repairs hold. Exit 1
 * when one does not; steps it cannot repair are listed with the reason and left as written.
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
      if (placed.length > 0) {
        const scenarios = [...new Set(placed.flatMap((repair) => repair.triedIn))];
        say(
          `\n${placed.length} step(s) repaired in ${out}; verifying the corrected copy (${scenarios.join(', ')})`,
        );
        const second = await verifyDuringFaults(out, scenarios, flags, true);
        if (second.status === 'aborted') return;
        reverified = judgeRepairs(placed, checksOf(second));
      }
      const failed = reverified.filter((entry) => !entry.holds);
      const report = summary(out, reverified, plan.notRepaired);
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
      process.exitCode = failed.length > 0 ? EXIT.failed : EXIT.passed;
    });
}

function checksOf(result: GameDayResult): RunbookCheck[] {
  return result.scenarios.flatMap((scenario) => scenario.runbookChecks);
}

/**
 * A repair holds when every check on its lines in the corrected copy is neither broken nor inaccurate,
 * and at least one scenario tried it again (a repair nobody re-ran proves nothing).
 */
export function judgeRepairs(placed: readonly PlacedRepair[], checks: readonly RunbookCheck[]): Reverified[] {
  return placed.map((repair) => {
    const mine = checks.filter(
      (check) => check.line >= repair.fixedLine && check.line <= repair.fixedEndLine,
    );
    const holds =
      mine.length > 0 && mine.every((check) => check.status !== 'broken' && check.status !== 'inaccurate');
    return { repair, checks: mine, holds };
  });
}

function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 110 ? `${flat.slice(0, 109)}…` : flat;
}

function summary(
  out: string,
  reverified: readonly Reverified[],
  notRepaired: readonly NotRepaired[],
): string {
  const lines: string[] = [];
  for (const { repair, checks, holds } of reverified) {
    const verdict = holds
      ? `verified: ${[...new Set(checks.map((check) => `${check.status} in ${check.scenario}`))].join(', ')}`
      : checks.length === 0
        ? 'NOT verified: no scenario tried the corrected step'
        : `NOT verified: ${checks
            .filter((check) => check.status === 'broken' || check.status === 'inaccurate')
            .map((check) => `${check.status} in ${check.scenario}: ${oneLine(check.seen)}`)
            .join('; ')}`;
    lines.push(
      `line ${repair.line} → ${repair.fixedLine}  ${repair.why}`,
      `  - ${oneLine(repair.before.join(' '))}`,
      `  + ${oneLine(repair.after.slice(0, -1).join(' ') || repair.after.join(' '))}`,
      `  ${verdict}`,
    );
  }
  if (notRepaired.length > 0) lines.push('', 'not repaired (left as written):');
  for (const left of notRepaired)
    lines.push(
      `line ${left.line} (${left.status}, ${left.scenarios.join(', ')}): ${oneLine(left.step)}`,
      `  ${left.reason}`,
    );
  const held = reverified.filter((entry) => entry.holds).length;
  lines.push(
    '',
    `${reverified.length} repaired, ${held} verified, ${reverified.length - held} not verified; ${notRepaired.length} not repairable`,
    `corrected copy: ${out}`,
  );
  return `${lines.join('\n')}\n`;
}
