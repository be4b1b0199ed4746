import { fingerprintSync } from 'libpg-query';
import { inProcedure } from './procedure-section.ts';
import { type RunbookStep, sqlOf } from './steps.ts';

/** Case, spacing and a trailing ";" do not make two commands different. */
function normalize(text: string): string {
  return text
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .replace(/\s*;\s*$/, '')
    .trim();
}

/** "DELETE FROM messages WHERE id IN (… ROW_NUMBER() …)": every fragment, in order. */
function matchesAbbreviation(written: string, step: string): boolean {
  const fragments = normalize(written)
    .split('…')
    .map((fragment) => fragment.trim())
    .filter(Boolean);
  if (fragments.length < 2) return false;
  let from = 0;
  for (const fragment of fragments) {
    const at = step.indexOf(fragment, from);
    if (at < 0) return false;
    from = at + fragment.length;
  }
  return true;
}

/** PostgreSQL's own fingerprint ignores constants: `SET statement_timeout = '60s'` matches `'30s'`. */
function sameStatement(a: string, b: string): boolean {
  try {
    return fingerprintSync(a) === fingerprintSync(b);
  } catch {
    return false;
  }
}

/**
 * The runbook step a scenario's remedy step stands for, found by what the scenario says it carries
 * out ("SELECT pg_terminate_backend(blocking_pid);"): the same text, the same abbreviated text, or the
 * same SQL statement up to its constants, steps of the scenario's own procedure first. Another team
 * words its steps its own way: failing those, the procedure's step that reads like the action. The parser must be loaded (`loadSqlParser`).
 */
export function findRunbookStep(
  steps: readonly RunbookStep[],
  written: string | undefined,
  procedure: string | undefined,
  looksLike: RegExp | undefined,
): RunbookStep | undefined {
  return (
    (written && byText(steps, written, procedure)) ||
    (looksLike && steps.find((step) => inProcedure(step.section, procedure) && looksLike.test(step.text)))
  );
}

function byText(steps: readonly RunbookStep[], written: string, procedure: string | undefined) {
  const target = normalize(written);
  const matches = steps.filter((step) => {
    const text = normalize(step.text);
    const sql = sqlOf(step);
    return (
      text === target ||
      // The scenario names the command without its headers: "curl -X POST …/reset" for "… -H …".
      (target.split(' ').length >= 3 && text.startsWith(`${target} `)) ||
      (sql !== undefined && normalize(sql) === target) ||
      matchesAbbreviation(written, text) ||
      (sql !== undefined && /^[a-z]/.test(target) && !target.includes('…') && sameStatement(sql, written))
    );
  });
  const own = procedure?.toLowerCase();
  return (
    matches.find((step) => own !== undefined && step.section.toLowerCase().startsWith(own)) ?? matches[0]
  );
}

/**
 * The statements a responder runs together for one fix step: the step alone, or, when the block opens
 * a transaction before it, everything from that BEGIN to the COMMIT (or ROLLBACK) that closes it.
 */
export function fixUnit(steps: readonly RunbookStep[], step: RunbookStep): RunbookStep[] {
  const block = steps.filter((other) => other.block === step.block && sqlOf(other) !== undefined);
  const at = block.indexOf(step);
  const isBegin = (s: RunbookStep) => /^(begin|start transaction)\b/i.test(sqlOf(s)!.trim());
  const isEnd = (s: RunbookStep) => /^(commit|rollback|end)\b/i.test(sqlOf(s)!.trim());
  let start = at;
  while (start > 0 && !isEnd(block[start - 1]!) && !isBegin(block[start]!)) start--;
  if (!isBegin(block[start]!)) return [step];
  let end = at;
  while (end < block.length - 1 && !isEnd(block[end]!)) end++;
  return block.slice(start, end + 1);
}
