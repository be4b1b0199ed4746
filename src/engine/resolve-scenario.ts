import path from 'node:path';
import { ms } from '../core/duration.ts';
import type { AlertRule } from '../detection/alert-rule.ts';
import type { Expr } from '../detection/expr.ts';
import { FAULT_KINDS } from '../faults/registry.ts';
import { REMEDY_ACTIONS } from '../remediation/registry.ts';
import type { RunbookDocument } from '../runbooks/parse-runbook.ts';
import type { Capability } from '../stack/stack.ts';
import type { Scenario } from './scenario.ts';

type ScenarioExpr = Scenario['alert']['expr'];

export interface RemedyStep {
  action: string;
  params: Record<string, unknown>;
  description: string;
  runbookStep?: string;
}

/** A scenario checked against the runbook and the registries, with every duration in milliseconds. */
export interface ResolvedScenario {
  scenario: Scenario;
  runbookTitle: string;
  severity: string;
  rule: AlertRule;
  fault: { kind: string; params: Record<string, unknown>; description: string };
  remedy: RemedyStep[];
  recoveryChecks: { name: string; expr: Expr; comparator: AlertRule['comparator']; threshold: number }[];
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
  const { runbook, faultKind, faultParams, remedy } = parts;
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
  const responseMs = runbooks.severities[severity]?.responseTimeMs;
  if (trigger?.severity && !runbooks.severities[severity]) {
    at(
      'runbook.number',
      `severity ${severity} of runbook ${scenario.runbook.number} is not in the severity table of ${runbooks.file}`,
    );
  }

  const requires = [
    ...(faultKind?.requires ?? []),
    ...scenario.remedy.flatMap((step) => REMEDY_ACTIONS[step.action]?.requires ?? []),
  ];
  if (problems.length > 0 || threshold === undefined || !runbook || !faultKind) return { problems };

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
      fault: { kind: scenario.fault.kind, params: faultParams, description: faultKind.describe(faultParams) },
      remedy,
      recoveryChecks: scenario.recovered.checks.map((check) => ({ ...check, expr: toExpr(check.expr) })),
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
  fault?: { kind?: unknown };
  remedy?: unknown;
}

/**
 * The checks that need only the runbook number, the fault and the remedy steps. They also run on a
 * scenario whose other fields failed validation, so one pass reports every problem in the file.
 */
export function checkParts(scenario: PartsInput, runbooks: RunbookDocument) {
  const problems: string[] = [];
  const at = (field: string, message: string) => problems.push(`${scenario.file}: ${field}: ${message}`);
  const number = scenario.runbook?.number;
  const runbook = runbooks.runbooks.find((r) => r.number === number);
  if (typeof number === 'number' && !runbook) {
    at(
      'runbook.number',
      `${runbooks.file} has no runbook ${number} (it has ${runbooks.runbooks.map((r) => r.number).join(', ')})`,
    );
  }
  const kind = typeof scenario.fault?.kind === 'string' ? scenario.fault.kind : undefined;
  const faultKind = kind === undefined ? undefined : FAULT_KINDS[kind];
  let faultParams: Record<string, unknown> = {};
  if (kind !== undefined && !faultKind) {
    at('fault.kind', `unknown fault "${kind}"; known: ${Object.keys(FAULT_KINDS).join(', ')}`);
  } else if (faultKind) {
    const { kind: _kind, ...params } = scenario.fault as Record<string, unknown>;
    const parsed = faultKind.params.safeParse(params);
    if (parsed.success) faultParams = parsed.data;
    for (const issue of parsed.error?.issues ?? [])
      at(`fault.${issue.path.join('.') || '(parameters)'}`, issue.message);
  }
  const remedy: RemedyStep[] = [];
  const steps = Array.isArray(scenario.remedy) ? (scenario.remedy as Record<string, unknown>[]) : [];
  steps.forEach((step, index) => {
    const action = REMEDY_ACTIONS[String(step?.action)];
    if (!action) {
      at(
        `remedy[${index}].action`,
        `unknown action "${String(step?.action)}"; known: ${Object.keys(REMEDY_ACTIONS).join(', ')}`,
      );
      return;
    }
    const { action: _action, runbookStep, ...params } = step;
    const parsed = action.params.safeParse(params);
    for (const issue of parsed.error?.issues ?? [])
      at(`remedy[${index}].${issue.path.join('.') || '(parameters)'}`, issue.message);
    if (parsed.success) {
      remedy.push({
        action: String(step.action),
        params: parsed.data,
        description: action.describe(parsed.data),
        runbookStep: typeof runbookStep === 'string' ? runbookStep : undefined,
      });
    }
  });
  return { problems, runbook, faultKind, faultParams, remedy };
}
