import path from 'node:path';
import { ms } from '../core/duration.ts';
import type { AlertRule } from '../detection/alert-rule.ts';
import type { Expr } from '../detection/expr.ts';
import { FAULT_KINDS } from '../faults/registry.ts';
import { DECISIONS } from '../remediation/decisions.ts';
import { REMEDY_ACTIONS } from '../remediation/registry.ts';
import type { RunbookDocument } from '../runbooks/parse-runbook.ts';
import type { Scenario } from '../scenario/schema.ts';
import type { Capability } from '../stack/stack.ts';
import type { ResolvedClaim } from './claim-meter.ts';

type ScenarioExpr = Scenario['alert']['expr'];

export interface RemedyStep {
  /** An action name, or "decide" for a runbook decision point. */
  action: string;
  params: Record<string, unknown>;
  description: string;
  runbookStep?: string;
  /** Run only on this branch of an earlier decision ("recent-deploy=yes"). */
  when?: { question: string; answer: string };
}

/** A scenario checked against the runbook and the registries, with every duration in milliseconds. */
export interface ResolvedScenario {
  scenario: Scenario;
  runbookTitle: string;
  severity: string;
  rule: AlertRule;
  faults: { kind: string; params: Record<string, unknown>; description: string }[];
  /** Post-incident steps run after the faults are reverted. */
  restore: RemedyStep[];
  remedy: RemedyStep[];
  recoveryChecks: { name: string; expr: Expr; comparator: AlertRule['comparator']; threshold: number }[];
  claims: ResolvedClaim[];
  /** Recovery needs the alert resolved (false: the checks alone decide). */
  recoveryNeedsAlertResolved: boolean;
  /** Runbook-time durations (the engine scales them). */
  baselineMs: number;
  detectWithinMs: number;
  /** Alert duration + the severity's response time; undefined when the severity has no target. */
  resolveWithinMs: number | undefined;
  recoveryHoldMs: number;
  requires: Capability[];
}

function windowOf(expr: Expr): number {
  return 'windowMs' in expr ? expr.windowMs : 0;
}

export function toExpr(expr: ScenarioExpr, windowOverrideMs?: number): Expr {
  if (expr.fn === 'value') return expr;
  const { window, ...rest } = expr;
  return { ...rest, windowMs: windowOverrideMs ?? ms(window) } as Expr;
}

/** The runbook's threshold in the expression's unit: 1 % → 0.01 for a ratio, 500 ms → 0.5 for seconds. */
function convertThreshold(value: number, unit: string, exprUnit: string): number | undefined {
  if (unit === '%' && exprUnit === 'ratio') return value / 100;
  if (unit === 'ms' && exprUnit === 'seconds') return value / 1000;
  if (unit === 's' && exprUnit === 'seconds') return value;
  if (unit === 'count' && exprUnit === 'count') return value;
  return undefined;
}

/**
 * What the scenario's own stack settings ask of a stack that is not started for it (external). Its seed
 * size is not among them: an external stack holds the data it holds.
 */
function stackRequires(stack: Scenario['stack']): Capability[] {
  if (!stack) return [];
  return [
    ...(stack.env || stack.release ? (['rollout'] as const) : []),
    ...(stack.replicas ? (['scale'] as const) : []),
    ...(stack.disposable ? (['reset'] as const) : []),
    ...(stack.backendMemoryMb ? (['memory-limit'] as const) : []),
  ];
}

/**
 * Checks one validated scenario against the runbook document and the fault/remedy registries, and
 * derives the alert rule from the runbook's Alert Trigger (its threshold, duration, window, severity):
 * a runbook that says 2 % makes the rule 2 %. Every problem is returned, each naming the field.
 */
export function resolveScenario(
  scenario: Scenario,
  runbooks: RunbookDocument,
): { resolved?: ResolvedScenario; problems: string[] } {
  const problems: string[] = [];
  const at = (field: string, message: string) => problems.push(`${scenario.file}: ${field}: ${message}`);

  const parts = checkParts(scenario, runbooks);
  problems.push(...parts.problems);
  const { runbook, faults, remedy, restore } = parts;
  const trigger = runbook?.alert;
  if (runbook && !trigger)
    at('runbook.number', `runbook ${runbook.number} in ${runbooks.file} has no Alert Trigger`);

  // The alert: threshold, duration, window and severity from the runbook unless the scenario overrides them.
  const origin: string[] = [];
  let threshold = scenario.alert.threshold;
  let comparator = scenario.alert.comparator;
  if (threshold !== undefined) {
    origin.push(`threshold ${threshold} set by the scenario`);
  } else if (trigger?.threshold) {
    const converted = convertThreshold(trigger.threshold.value, trigger.threshold.unit, scenario.alert.unit);
    if (converted === undefined) {
      at(
        'alert.unit',
        `runbook ${scenario.runbook.number}'s threshold is ${trigger.threshold.text}, which cannot be compared with a ${scenario.alert.unit}`,
      );
    } else {
      threshold = converted;
      comparator ??= trigger.threshold.comparator;
      const shown = path.relative(process.cwd(), runbooks.file) || runbooks.file;
      origin.push(`threshold "${trigger.threshold.text}" from ${shown}:${trigger.threshold.line}`);
    }
  } else if (trigger) {
    at(
      'alert.threshold',
      `runbook ${scenario.runbook.number}'s Alert Trigger states no threshold; set one in the scenario`,
    );
  }
  let forMs = scenario.alert.for === undefined ? undefined : ms(scenario.alert.for);
  if (forMs === undefined) {
    forMs = trigger?.durationMs ?? 0;
    origin.push(
      trigger?.durationMs
        ? `duration ${trigger.durationMs / 60_000} min from the runbook`
        : 'no duration: fires at once',
    );
  } else {
    origin.push('duration set by the scenario');
  }
  const windowOverride = trigger?.windowMs;
  if (windowOverride) origin.push(`window ${windowOverride / 60_000} min from the runbook`);
  const severity = trigger?.severity ?? 'P1';
  if (trigger && !trigger.severity) origin.push('the runbook states no severity: P1 assumed');
  const responseMs = runbooks.severities[severity]?.responseTimeMs;
  if (trigger?.severity && !runbooks.severities[severity]) {
    at(
      'runbook.number',
      `severity ${severity} of runbook ${scenario.runbook.number} is not in the severity table of ${runbooks.file}`,
    );
  }

  const requires = [
    ...faults.flatMap((fault) => FAULT_KINDS[fault.kind]?.requires ?? []),
    ...[...remedy, ...restore].flatMap((step) => REMEDY_ACTIONS[step.action]?.requires ?? []),
    ...stackRequires(scenario.stack),
  ];
  if (problems.length > 0 || threshold === undefined || !runbook || faults.length === 0) return { problems };

  return {
    problems,
    resolved: {
      scenario,
      runbookTitle: runbook.title,
      severity,
      rule: {
        name: scenario.alert.name,
        expr: toExpr(scenario.alert.expr, windowOverride),
        comparator: comparator ?? '>',
        threshold,
        forMs,
        severity,
        runbook: scenario.runbook.number,
        origin: origin.join('; '),
      },
      faults,
      remedy,
      restore,
      recoveryChecks: scenario.recovered.checks.map((check) => ({ ...check, expr: toExpr(check.expr) })),
      recoveryNeedsAlertResolved: scenario.recovered.alertResolves,
      claims: scenario.claims.map((claim) =>
        claim.kind === 'per-unit'
          ? { ...claim, numerator: toExpr(claim.numerator), denominator: toExpr(claim.denominator) }
          : { ...claim, claimed: ms(claim.claimed), expr: toExpr(claim.expr) },
      ),
      baselineMs: ms(scenario.baseline ?? '3m'),
      // Default budget: the alert's duration, one window (or a minute) for the signal to cross the
      // threshold, and two minutes for scraping and evaluation.
      detectWithinMs: scenario.detect
        ? ms(scenario.detect.within)
        : forMs + Math.max(windowOf(toExpr(scenario.alert.expr, windowOverride)), 60_000) + 120_000,
      resolveWithinMs: responseMs === undefined ? undefined : forMs + responseMs,
      recoveryHoldMs: ms(scenario.recovered.hold ?? '1m'),
      requires: [...new Set(requires)],
    },
  };
}

interface PartsInput {
  file: string;
  runbook?: { number?: unknown };
  fault?: unknown;
  remedy?: unknown;
  restore?: unknown;
}

type At = (field: string, message: string) => void;

/**
 * The checks that need only the runbook number, the faults and the steps. They also run on a
 * scenario whose other fields failed validation, so one pass reports every problem in the file.
 */
export function checkParts(scenario: PartsInput, runbooks: RunbookDocument) {
  const problems: string[] = [];
  const at: At = (field, message) => problems.push(`${scenario.file}: ${field}: ${message}`);
  const number = scenario.runbook?.number;
  const runbook = runbooks.runbooks.find((r) => r.number === number);
  if (typeof number === 'number' && !runbook) {
    at(
      'runbook.number',
      `${runbooks.file} has no runbook ${number} (it has ${runbooks.runbooks.map((r) => r.number).join(', ')})`,
    );
  }
  const faults = checkFaults(scenario.fault, at);
  const asked = new Set<string>();
  const remedy = checkSteps('remedy', scenario.remedy, asked, at);
  const restore = checkSteps('restore', scenario.restore, asked, at);
  return { problems, runbook, faults, remedy, restore };
}

function checkFaults(raw: unknown, at: At): ResolvedScenario['faults'] {
  const faults: ResolvedScenario['faults'] = [];
  const list = (Array.isArray(raw) ? raw : raw ? [raw] : []) as Record<string, unknown>[];
  list.forEach((fault, index) => {
    const field = Array.isArray(raw) ? `fault[${index}]` : 'fault';
    const kind = typeof fault?.kind === 'string' ? fault.kind : undefined;
    const faultKind = kind === undefined ? undefined : FAULT_KINDS[kind];
    if (kind !== undefined && !faultKind) {
      at(`${field}.kind`, `unknown fault "${kind}"; known: ${Object.keys(FAULT_KINDS).join(', ')}`);
      return;
    }
    if (!faultKind || !kind) return;
    const { kind: _kind, ...params } = fault;
    const parsed = faultKind.params.safeParse(params);
    for (const issue of parsed.error?.issues ?? [])
      at(`${field}.${issue.path.join('.') || '(parameters)'}`, issue.message);
    if (parsed.success)
      faults.push({ kind, params: parsed.data, description: faultKind.describe(parsed.data) });
  });
  return faults;
}

/** Remedy or restore steps: known actions with valid parameters, decision points, `when` branches. */
function checkSteps(field: string, raw: unknown, asked: Set<string>, at: At): RemedyStep[] {
  const steps: RemedyStep[] = [];
  const list = Array.isArray(raw) ? (raw as Record<string, unknown>[]) : [];
  list.forEach((step, index) => {
    const where = `${field}[${index}]`;
    const { action: _a, runbookStep: _r, when: _w, question: _q, ...rest } = step ?? {};
    const runbookStep = typeof step?.runbookStep === 'string' ? step.runbookStep : undefined;
    let when: RemedyStep['when'];
    if (step?.when !== undefined) {
      const match = /^([a-z-]+)=(yes|no)$/.exec(String(step.when));
      if (!match)
        at(`${where}.when`, `expected "<decision>=yes" or "<decision>=no", got "${String(step.when)}"`);
      else if (!asked.has(match[1]!)) at(`${where}.when`, `no earlier "decide" step asks "${match[1]}"`);
      else when = { question: match[1]!, answer: match[2]! };
    }
    const report = (issues: { path: PropertyKey[]; message: string }[] | undefined) => {
      for (const issue of issues ?? [])
        at(`${where}.${issue.path.map(String).join('.') || '(parameters)'}`, issue.message);
    };
    if (step?.action === 'decide') {
      const decision = DECISIONS[String(step.question)];
      if (!decision) {
        at(
          `${where}.question`,
          `unknown decision "${String(step.question)}"; known: ${Object.keys(DECISIONS).join(', ')}`,
        );
        return;
      }
      const parsed = decision.params.safeParse(rest);
      report(parsed.error?.issues);
      asked.add(decision.question);
      if (parsed.success) {
        steps.push({
          action: 'decide',
          params: { question: decision.question, ...parsed.data },
          description: `decide: ${decision.question}?`,
          runbookStep,
          when,
        });
      }
      return;
    }
    const action = REMEDY_ACTIONS[String(step?.action)];
    if (!action) {
      at(
        `${where}.action`,
        `unknown action "${String(step?.action)}"; known: ${Object.keys(REMEDY_ACTIONS).join(', ')}`,
      );
      return;
    }
    const parsed = action.params.safeParse(rest);
    report(parsed.error?.issues);
    if (parsed.success) {
      steps.push({
        action: String(step.action),
        params: parsed.data,
        description: action.describe(parsed.data),
        runbookStep,
        when,
      });
    }
  });
  return steps;
}
