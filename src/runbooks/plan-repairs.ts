import { formatValue } from '../core/format.ts';
import { FIX_MARK } from './claims.ts';
import { labelFix } from './judge-label.ts';
import { fixUnit } from './match-step.ts';
import type { RunbookDocument } from './parse-runbook.ts';
import { changesState, type RunbookStep, sqlOf } from './steps.ts';
import type { CheckStatus, JudgingRule, RunbookCheck, WhatWorked } from './verdicts.ts';

/** One step rewritten: lines `line`…`endLine` of the document become `after`. */
export interface StepRepair {
  /** 1-based, inclusive: what the repair replaces in the document as it was. */
  line: number;
  endLine: number;
  /** The line its verdict was on (a transaction's statement inside the replaced lines). */
  checkLine: number;
  before: string[];
  after: string[];
  /** What changed and why, in one line (also written beside the step). */
  why: string;
  /**
   * The rules that found the step wrong which this rewrite answers: the corrected step is verified on
   * these. Others that found it wrong stay wrong (a capacity number, a triage query asked to show a
   * cause it is not about) and are listed with the repair, not counted against it.
   */
  answers: JudgingRule[];
  /** The scenarios whose live fault judged the step wrong. */
  scenarios: string[];
  /** Every scenario that tried the step, right or wrong: the corrected step must hold in each. */
  triedIn: string[];
}

/** A wrong step left as written, with the evidence. */
export interface NotRepaired {
  line: number;
  step: string;
  status: CheckStatus;
  reason: string;
  scenarios: string[];
}

export interface RepairPlan {
  repairs: StepRepair[];
  notRepaired: NotRepaired[];
}

const WRONG = new Set<CheckStatus>(['broken', 'inaccurate']);

/**
 * What `gameday runbook fix` rewrites, from what `runbook verify` saw during the live faults: a step is
 * rewritten only with something that worked (the harness's action as SQL, a query that shows what the
 * label promises, the measured number, the setting as it really applies). A step that was right during
 * another scenario, or whose fault no query or number can mend, is listed instead with the reason.
 */
export function planRepairs(document: RunbookDocument, checks: readonly RunbookCheck[]): RepairPlan {
  const steps = document.runbooks.flatMap((runbook) => runbook.steps);
  const byLine = new Map<number, RunbookCheck[]>();
  for (const check of checks) byLine.set(check.line, [...(byLine.get(check.line) ?? []), check]);
  const plan: RepairPlan = { repairs: [], notRepaired: [] };
  for (const [line, all] of [...byLine].sort(([a], [b]) => a - b)) {
    const wrong = all.filter((check) => WRONG.has(check.status));
    if (wrong.length === 0) continue;
    const scenarios = [...new Set(wrong.map((check) => check.scenario))];
    const worst = wrong.find((check) => check.status === 'broken') ?? wrong[0]!;
    const leave = (reason: string) =>
      plan.notRepaired.push({ line, step: worst.step, status: worst.status, reason, scenarios });
    const step = steps.find((candidate) => candidate.line === line);
    const repair = step ? repairStep(document, steps, step, wrong) : repairClaim(document, line, wrong);
    // A step right during one incident and wrong during another is rewritten only if the rewrite
    // holds for both: the corrected copy is verified in every scenario that tried it.
    const right = all.filter((check) => check.status === 'ok');
    if (typeof repair === 'string')
      leave(right.length > 0 ? `right during ${names(right)}; for the rest: ${repair}` : repair);
    else plan.repairs.push({ ...repair, checkLine: line, scenarios, triedIn: names(all).split(', ') });
  }
  return plan;
}

function names(checks: readonly RunbookCheck[]): string {
  return [...new Set(checks.map((check) => check.scenario))].join(', ');
}

type Repair = Omit<StepRepair, 'checkLine' | 'scenarios' | 'triedIn'>;

function workedOf<K extends WhatWorked['kind']>(
  checks: readonly RunbookCheck[],
  kind: K,
): Extract<WhatWorked, { kind: K }>[] {
  return checks.flatMap((check) =>
    (check.worked ?? []).filter((worked): worked is Extract<WhatWorked, { kind: K }> => worked.kind === kind),
  );
}

/** The rules that found the step wrong, in every scenario that tried it. */
function failingRules(checks: readonly RunbookCheck[]): Set<JudgingRule> {
  return new Set(
    checks.flatMap((check) => check.judgements.filter((j) => WRONG.has(j.status)).map((j) => j.rule)),
  );
}

function repairStep(
  document: RunbookDocument,
  steps: readonly RunbookStep[],
  step: RunbookStep,
  wrong: readonly RunbookCheck[],
): Repair | string {
  const failing = failingRules(wrong);
  const comment = commentMarker(document, step);
  const lines = (from: number, to: number) => document.lines.slice(from - 1, to);
  const indent = /^\s*/.exec(document.lines[step.line - 1] ?? '')![0];
  // The note goes just below the step; a blank line after it keeps the next step's own comment its own.
  const rewrite = (
    from: number,
    to: number,
    text: string[],
    why: string,
    answers: readonly JudgingRule[],
  ): Repair => ({
    line: from,
    endLine: to,
    before: lines(from, to),
    after: [
      ...text.map((line) => `${indent}${line}`),
      `${indent}${comment} ${FIX_MARK} ${why}`,
      ...((document.lines[to] ?? '').trim() && !/^\s*(```|~~~)/.test(document.lines[to]!) ? [''] : []),
    ],
    why,
    answers: [...answers],
  });
  /** The failing rules, less those no rewrite of this kind can answer. */
  const failingBut = (...unanswerable: JudgingRule[]) =>
    [...failing].filter((rule) => !unanswerable.includes(rule));

  // The harness's own action did the job where the step as written failed: its SQL takes the place
  // of the statement (or of the transaction around it).
  const action = workedOf(wrong, 'harness-action').find((worked) => worked.sql);
  if (action?.sql && step.kind === 'sql' && failing.has('runs')) {
    const unit = fixUnit(steps, step);
    const first = unit[0]!;
    const last = unit.at(-1)!;
    const inTransaction = unit.length > 1;
    const refused = wrong.map((check) => check.seen).find((seen) => /refused/.test(seen)) ?? '';
    const why = inTransaction
      ? `moved out of the transaction (${reasonOf(refused)}); this is the statement that worked during ${names(wrong)}`
      : `${reasonOf(refused)}: written as the statement that worked during ${names(wrong)} (${action.action})`;
    return rewrite(
      first.line,
      last.endLine,
      laidOutLike(action.sql, step),
      why,
      failingBut('numbers', 'coverage'),
    );
  }

  // A setting that only new sessions get: the sessions that serve users keep the old value.
  const setting = workedOf(wrong, 'setting').find((worked) => worked.takesEffect === 'new-sessions');
  if (setting && step.kind === 'sql' && /^\s*alter\s+(database|role)\b/i.test(step.text)) {
    return rewrite(
      step.line,
      step.endLine,
      [`ALTER SYSTEM SET ${setting.name} = '${setting.value}';`, 'SELECT pg_reload_conf();'],
      `${step.text.trim().split(/\s+/).slice(0, 2).join(' ')} … SET reaches only sessions opened after it; a reload gives ${setting.name} to the open ones too`,
      failingBut('numbers', 'coverage'),
    );
  }

  // A static parameter said to apply at once: it waits for a reboot, and the step should say so.
  const restart = workedOf(wrong, 'setting').find((worked) => worked.takesEffect === 'restart');
  const original = lines(step.line, step.endLine);
  if (restart && step.kind === 'shell' && original.some((line) => /ApplyMethod=immediate/.test(line))) {
    return rewrite(
      step.line,
      step.endLine,
      original.map((line) =>
        line.replace(/ApplyMethod=immediate/, 'ApplyMethod=pending-reboot').slice(indent.length),
      ),
      `${restart.name} is static (${restart.how}): RDS applies it at the next reboot, not immediately`,
      // Only when it applies: its number against the system's limits is a capacity decision.
      ['applies'],
    );
  }

  // A query whose result does not show what its label promises, or not the fault: the query that does,
  // the label's own kind of query first, else the query that showed the culprit during the fault.
  const sql = sqlOf(step);
  const query =
    sql !== undefined &&
    !changesState(step) &&
    [...failing].every((rule) => rule === 'label' || rule === 'shows-fault' || rule === 'runs');
  const shown = workedOf(wrong, 'query')[0];
  const byLabel = query ? labelFix(step) : undefined;
  const fix =
    byLabel ??
    (query && shown && !failing.has('label')
      ? {
          promise: `the culprit, as ${shown.line ? `line ${shown.line}'s query` : "the harness's own query"} did (${shown.showed})`,
          sql: withSemicolon(shown.sql),
        }
      : undefined);
  // A query rewritten to its label's kind answers its label; whether a triage query for one cause
  // shows another incident's culprit is not for its label's query to answer (unless that was all).
  const labelled = failingBut('shows-fault');
  const answers = byLabel && failing.has('label') ? labelled : [...failing];
  if (fix && sql !== undefined) {
    const why = `rewritten to show ${fix.promise}; as written it did not during ${names(wrong)}`;
    if (step.kind === 'sql')
      return rewrite(step.line, step.endLine, laidOutLike(fix.sql, step), why, answers);
    // psql -c "…": the query inside the command changes, the command stays.
    const at = original.findIndex((line) => line.includes(sql));
    if (at >= 0 && !fix.sql.includes('"')) {
      const text = original.map((line, i) => (i === at ? line.replace(sql, fix.sql) : line));
      return rewrite(
        step.line,
        step.endLine,
        text.map((line) => line.slice(indent.length)),
        why,
        answers,
      );
    }
  }

  const rules = [...failing].join(', ');
  const numbers = workedOf(wrong, 'number')[0];
  // Pods, pool size and max_connections share one budget: which to change is a capacity decision.
  if (numbers)
    return `the runbook's numbers do not fit together (${numbers.detail}): fewer pods, a smaller pool or a larger max_connections is a capacity decision for a person; verify again after it`;
  if (failing.has('coverage'))
    return `no procedure of the runbook follows up what it finds (${rules}): a person must write that procedure`;
  if (failing.has('effect') && step.kind === 'shell')
    return `the command reaches one replica, not every one (${rules}): gameday has no way to address each replica that it could write in the runbook's own tools`;
  return `gameday knows nothing that worked in its place (${rules}: ${wrong[0]!.seen})`;
}

const CLAUSE = /^(FROM|WHERE|JOIN|LEFT JOIN|GROUP BY|ORDER BY|HAVING|LIMIT)\b/i;

/**
 * A statement written over several lines in the runbook is written back over several: a new line
 * before each clause of the outer statement (not inside parentheses or quotes), so the diff stays
 * readable. A one-line step stays one line.
 */
function laidOutLike(sql: string, step: RunbookStep): string[] {
  if (step.endLine === step.line) return [sql];
  const lines: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < sql.length; i++) {
    const char = sql[i]!;
    if (char === "'") quoted = !quoted;
    if (quoted) continue;
    if (char === '(') depth++;
    else if (char === ')') depth--;
    else if (
      depth === 0 &&
      char === ' ' &&
      CLAUSE.test(sql.slice(i + 1)) &&
      !/\bLEFT$/i.test(sql.slice(start, i))
    ) {
      lines.push(sql.slice(start, i));
      start = i + 1;
    }
  }
  lines.push(sql.slice(start));
  return lines;
}

function withSemicolon(sql: string): string {
  const text = sql.replace(/\s+/g, ' ').trim();
  return text.endsWith(';') ? text : `${text};`;
}

/** The comment marker of the step's code block: its fence's language, else what the step is. */
function commentMarker(document: RunbookDocument, step: RunbookStep): string {
  const fence =
    /^\s*(?:```|~~~)\s*([\w-]*)/.exec(document.lines[step.block - 2] ?? '')?.[1]?.toLowerCase() ?? '';
  if (/^(sql|psql|pgsql|postgres(ql)?|plpgsql)$/.test(fence)) return '--';
  if (/^(bash|sh|shell|zsh|console)$/.test(fence)) return '#';
  return step.kind === 'sql' ? '--' : '#';
}

/** "PostgreSQL refused line 473: CREATE INDEX CONCURRENTLY cannot …" → the reason after the colon. */
function reasonOf(seen: string): string {
  const match = /refused line \d+: ([^;]+)/.exec(seen);
  return match ? match[1]!.trim() : 'PostgreSQL refused it as written';
}

/**
 * A claim's number against what was measured: a bound moves past the worst measured value, an "about"
 * becomes the measured one (a recovery time, a bound with room); when the measurements disagree by
 * more than the claim's own tolerance no one number is true, and the claim is left for a person.
 */
function repairClaim(
  document: RunbookDocument,
  line: number,
  wrong: readonly RunbookCheck[],
): Repair | string {
  const text = document.lines[line - 1] ?? '';
  const measured = workedOf(wrong, 'measured');
  const quantity = measured[0]?.quantity;
  if (!quantity || !text.includes(quantity))
    return `gameday measured nothing it could write in its place (${wrong[0]!.seen})`;
  const values = measured.filter((m) => m.quantity === quantity).map((m) => m.value);
  const unit = measured[0]!.unit;
  const low = Math.min(...values);
  const high = Math.max(...values);
  // "within 2 minutes" is a bound, "usually 60 seconds" an about: the word stays, the number changes.
  const word = /^(within|usually|typically|after)\s+/i.exec(quantity)?.[0];
  const sign = word ? (/^within/i.test(word) ? '<' : '~') : (/^[<>]=?|^~/.exec(quantity)?.[0] ?? '~');
  const writtenAs = word ?? sign;
  let written: string | undefined;
  if (sign.startsWith('>')) written = `${writtenAs}${inUnit(low, unit, 'down', quantity)}`;
  else if (sign.startsWith('<')) written = `${writtenAs}${inUnit(high, unit, 'up', quantity)}`;
  // How long a recovery takes depends on where its timers stood when the fault ended (the breaker
  // closed 48 s after the remedy in one run, 112 s in another): no "usually" number survives the
  // next run, so it is written as a bound with room (2.5× the slowest measured) for the runs to come.
  else if (unit === 'ms' && word) written = `within ${inUnit(high * 2.5, unit, 'up', quantity)}`;
  // An "about" holds within a factor of two either way: one number serves values at most 4× apart.
  else if (high <= low * 4) written = `${writtenAs}${inUnit(Math.sqrt(low * high), unit, 'near', quantity)}`;
  if (!written)
    return `measured ${formatValue(low, unit)} to ${formatValue(high, unit)} across ${names(wrong)}: no one number holds for every incident`;
  const range =
    formatValue(low, unit) === formatValue(high, unit)
      ? formatValue(low, unit)
      : `${formatValue(low, unit)} to ${formatValue(high, unit)}`;
  const why = `was ${quantity}, measured ${range} during ${names(wrong)}`;
  // In a code block the note joins the comment the claim is in; in prose it is an HTML comment, which
  // does not show when the Markdown is rendered.
  const block = document.runbooks
    .flatMap((runbook) => runbook.codeBlocks)
    .find((candidate) => line >= candidate.line && line <= candidate.endLine);
  const note = `${FIX_MARK} ${why}`;
  const fixed = `${text.replace(quantity, written)} ${block ? `(${note})` : `<!-- ${note} -->`}`;
  return { line, endLine: line, before: [text], after: [fixed], why, answers: [...failingRules(wrong)] };
}

/** A measured value written as the claim writes its quantity ("~2 MB", ">99%"), rounded toward safe. */
function inUnit(value: number, unit: string, round: 'up' | 'down' | 'near', quantity: string): string {
  const step = (n: number) =>
    round === 'up' ? Math.ceil(n) : round === 'down' ? Math.floor(n) : Math.round(n);
  // A lower bound on a ratio (">99%" cache hits) keeps 5 points of room and goes down to a multiple
  // of 5: the ratio drifts from run to run (84.8 % to 86.4 % in this project's runs).
  if (unit === 'ratio')
    return round === 'down'
      ? `${Math.max(0, Math.floor((value * 100 - 5) / 5) * 5)}%`
      : `${step(value * 100)}%`;
  if (unit === 'bytes') {
    const mb = value / 1024 ** 2;
    return mb >= 1 ? `${step(mb)} MB` : `${Math.max(1, step(value / 1024))} KB`;
  }
  if (unit === 'ms') {
    const count = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;
    if (/min/i.test(quantity) || (round === 'up' && value > 60_000))
      return count(Math.max(1, step(value / 60_000)), 'minute');
    return /\bms\b/.test(quantity) ? `${step(value)}ms` : count(Math.max(1, step(value / 1000)), 'second');
  }
  return String(step(value));
}
