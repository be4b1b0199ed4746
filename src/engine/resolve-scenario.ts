import path from 'node:path';
import { ms, toMs } from '../core/duration.ts';
import { ownEntry } from '../core/own-entry.ts';
import type { AlertRule } from '../detection/alert-rule.ts';
import type { Expr } from '../detection/expr.ts';
import { FAULT_KINDS } from '../faults/registry.ts';
import { DECISIONS } from '../remediation/decisions.ts';
import { REMEDY_ACTIONS } from '../remediation/registry.ts';
import type { RunbookDocument } from '../runbooks/parse-runbook.ts';
import type { Scenario } from '../scenario/schema.ts';
import type { Capability } from '../stack/stack.ts';
import type { ResolvedClaim } from './claim-meter.ts';

type AlertSpec = Scenario['alert'] extends infer A ? (A extends readonly (infer One)[] ? One : A) : never;
type ScenarioExpr = AlertSpec['expr'];

export interface RemedyStep {
  /** An action name, or "decide" for a runbook decision point. */
  action: string;
  params: Record<string, unknown>;
  description: string;
  runbookStep?: string;
  /** Run only on this branch of an earlier decision ("recent-deploy=yes"). */
  when?: { question: string; answer: string };
  /** Compound incidents: wait for this alert to fire before carrying the step out. */
  onAlert?: string;
}

/** A fault as resolved: its kind, validated parameters, what it does in words, and when it comes. */
export interface ResolvedFault {
  kind: string;
  params: Record<string, unknown>;
  description: string;
  /** Runbook time after the incident began (the first faults in place); 0 for the first faults. */
  afterMs: number;
}

/** One of the scenario's alerts, with the runbook it belongs to and the fault it is expected to detect. */
export interface ResolvedAlert {
  rule: AlertRule;
  /** The runbook procedure that answers this alert. */
  procedure?: string;
  /** Index into `faults`: TTD counts from when that fault is in place. */
  fault: number;
  /** Runbook time from its fault in place within which the alert must fire. */
  detectWithinMs: number;
  /** Runbook time from the incident's start within which this alert's part must be resolved. */
  resolveWithinMs: number | undefined;
}

/** A scenario checked against the runbook and the registries, with every duration in milliseconds. */
export interface ResolvedScenario {
  scenario: Scenario;
  runbookTitle: string;
  /** The incident's severity: the most severe of its alerts'. */
  severity: string;
  /** The first alert's rule: the page. */
  rule: AlertRule;
  /** Every alert, the first included (a compound incident has several). */
  alerts: ResolvedAlert[];
  faults: ResolvedFault[];
  /** Post-incident steps run after the faults are reverted. */
  restore: RemedyStep[];
  remedy: RemedyStep[];
  recoveryChecks: { name: string; expr: Expr; comparator: AlertRule['comparator']; threshold: number }[];
  claims: ResolvedClaim[];
  /** Recovery needs every alert resolved (false: the checks alone decide). */
  recoveryNeedsAlertResolved: boolean;
  /** Runbook-time durations (the engine scales them). */
  baselineMs: number;
  /** The first alert's detection budget. */
  detectWithinMs: number;
  /**
   * The whole incident's target: for each alert, its fault's offset + its duration + its severity's
   * response time, the latest of them; undefined when a severity has no target.
   */
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
 * One alert's rule from its runbook's Alert Trigger (threshold, duration, window, severity) unless the
 * scenario overrides them: a runbook that says 2 % makes the rule 2 %. Problems name `field`.
 */
function resolveAlert(
  alert: AlertSpec,
  runbookNumber: number,
  runbooks: RunbookDocument,
  at: (field: string, message: string) => void,
  field: string,
): { rule: AlertRule; severity: string; responseMs: number | undefined } | undefined {
  const runbook = runbooks.runbooks.find((r) => r.number === runbookNumber);
  const trigger = runbook?.alert;
  if (!runbook) {
    if (alert.runbook)
      at(
        `${field}.runbook.number`,
        `${runbooks.file} has no runbook ${runbookNumber} (it has ${runbooks.runbooks.map((r) => r.number).join(', ')})`,
      );
    return undefined;
  }
  const where = alert.runbook ? `${field}.runbook.number` : 'runbook.number';
  if (!trigger) at(where, `runbook ${runbook.number} in ${runbooks.file} has no Alert Trigger`);
  const origin: string[] = [];
  let threshold = alert.threshold;
  let comparator = alert.comparator;
  if (threshold !== undefined) {
    origin.push(`threshold ${threshold} set by the scenario`);
  } else if (trigger?.threshold) {
    const converted = convertThreshold(trigger.threshold.value, trigger.threshold.unit, alert.unit);
    if (converted === undefined) {
      at(
        `${field}.unit`,
        `runbook ${runbook.number}'s threshold is ${trigger.threshold.text}, which cannot be compared with a ${alert.unit}`,
      );
    } else {
      threshold = converted;
      comparator ??= trigger.threshold.comparator;
      const shown = path.relative(process.cwd(), runbooks.file) || runbooks.file;
      origin.push(`threshold "${trigger.threshold.text}" from ${shown}:${trigger.threshold.line}`);
    }
  } else if (trigger) {
    at(
      `${field}.threshold`,
      `runbook ${runbook.number}'s Alert Trigger states no threshold; set one in the scenario`,
    );
  }
  let forMs = alert.for === undefined ? undefined : ms(alert.for);
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
  if (trigger?.severity && !ownEntry(runbooks.severities, severity)) {
    at(
      where,
      `severity ${severity} of runbook ${runbook.number} is not in the severity table of ${runbooks.file}`,
    );
  }
  if (threshold === undefined) return undefined;
  return {
    rule: {
      name: alert.name,
      expr: toExpr(alert.expr, windowOverride),
      comparator: comparator ?? '>',
      threshold,
      forMs,
      severity,
      runbook: runbook.number,
      origin: origin.join('; '),
    },
    severity,
    responseMs: ownEntry(runbooks.severities, severity)?.responseTimeMs,
  };
}

/**
 * Checks one validated scenario against the runbook document and the fault/remedy registries, and
 * derives each alert's rule from its runbook's Alert Trigger. A compound incident (several faults, some
 * coming later; several alerts, each about one fault) is checked for consistency too: offsets in
 * order, alerts naming faults that exist, steps waiting on alerts that exist. Every problem is
 * returned, each naming the field.
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

  const listed = Array.isArray(scenario.alert) ? scenario.alert : [scenario.alert];
  const alerts: ResolvedAlert[] = [];
  const severities = Object.keys(runbooks.severities);
  const rank = (severity: string) => {
    const index = severities.indexOf(severity);
    return index < 0 ? severities.length : index;
  };
  let severity: string | undefined;
  const names = new Set<string>();
  listed.forEach((alert, index) => {
    const field = Array.isArray(scenario.alert) ? `alert[${index}]` : 'alert';
    if (names.has(alert.name))
      at(`${field}.name`, `"${alert.name}" names an earlier alert too; give each its own name`);
    names.add(alert.name);
    const faultIndex = alert.fault ?? 0;
    const faultCount = Array.isArray(scenario.fault) ? scenario.fault.length : 1;
    if (faultIndex >= faultCount)
      at(
        `${field}.fault`,
        `there is no fault[${faultIndex}] (the scenario has ${faultCount}); name the index of the fault this alert detects`,
      );
    const number = alert.runbook?.number ?? scenario.runbook.number;
    if (!runbook && !alert.runbook) return;
    const resolved = resolveAlert(alert, number, runbooks, at, field);
    if (!resolved) return;
    const offsetMs = faults[faultIndex]?.afterMs ?? 0;
    const rule = resolved.rule;
    if (severity === undefined || rank(resolved.severity) < rank(severity)) severity = resolved.severity;
    alerts.push({
      rule,
      procedure: alert.runbook ? alert.runbook.procedure : scenario.runbook.procedure,
      fault: faultIndex,
      // Default budget: the alert's duration, one window (or a minute) for the signal to cross the
      // threshold, and two minutes for scraping and evaluation.
      detectWithinMs: scenario.detect
        ? ms(scenario.detect.within)
        : rule.forMs + Math.max(windowOf(rule.expr), 60_000) + 120_000,
      resolveWithinMs:
        resolved.responseMs === undefined ? undefined : offsetMs + rule.forMs + resolved.responseMs,
    });
  });
  remedy.forEach((step, index) => {
    if (step.onAlert !== undefined && !names.has(step.onAlert))
      at(
        `remedy[${index}].onAlert`,
        `no alert named "${step.onAlert}" (the scenario's alerts: ${[...names].join(', ')})`,
      );
  });

  const requires = [
    ...faults.flatMap((fault) => ownEntry(FAULT_KINDS, fault.kind)?.requires ?? []),
    ...[...remedy, ...restore].flatMap((step) => ownEntry(REMEDY_ACTIONS, step.action)?.requires ?? []),
    ...stackRequires(scenario.stack),
  ];
  if (problems.length > 0 || alerts.length !== listed.length || !runbook || faults.length === 0)
    return { problems };

  const first = alerts[0]!;
  const targets = alerts.map((alert) => alert.resolveWithinMs);
  return {
    problems,
    resolved: {
      scenario,
      runbookTitle: runbook.title,
      severity: severity ?? first.rule.severity,
      rule: first.rule,
      alerts,
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
      detectWithinMs: first.detectWithinMs,
      resolveWithinMs: targets.some((target) => target === undefined)
        ? undefined
        : Math.max(...(targets as number[])),
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
  let previousMs = 0;
  list.forEach((fault, index) => {
    const field = Array.isArray(raw) ? `fault[${index}]` : 'fault';
    const kind = typeof fault?.kind === 'string' ? fault.kind : undefined;
    const faultKind = kind === undefined ? undefined : ownEntry(FAULT_KINDS, kind);
    const afterMs = checkOffset(fault?.after, index, Array.isArray(raw), previousMs, field, at);
    previousMs = Math.max(previousMs, afterMs ?? 0);
    if (kind !== undefined && !faultKind) {
      at(`${field}.kind`, `unknown fault "${kind}"; known: ${Object.keys(FAULT_KINDS).join(', ')}`);
      return;
    }
    if (!faultKind || !kind) return;
    const { kind: _kind, after: _after, ...params } = fault;
    const parsed = faultKind.params.safeParse(params);
    for (const issue of parsed.error?.issues ?? [])
      at(`${field}.${issue.path.join('.') || '(parameters)'}`, issue.message);
    if (parsed.success && afterMs !== undefined)
      faults.push({ kind, params: parsed.data, description: faultKind.describe(parsed.data), afterMs });
  });
  return faults;
}

/** A fault's `after`: a duration, only on a later fault of a list, never before the fault above it. */
function checkOffset(
  after: unknown,
  index: number,
  inList: boolean,
  previousMs: number,
  field: string,
  at: At,
): number | undefined {
  if (after === undefined) return 0;
  const afterMs = typeof after === 'string' || typeof after === 'number' ? toMs(after) : undefined;
  if (afterMs === undefined) {
    at(
      `${field}.after`,
      `expected a duration like "30s" or "2m" (runbook time), got ${JSON.stringify(after)}`,
    );
    return undefined;
  }
  if (!inList) {
    at(
      `${field}.after`,
      'a single fault starts the incident and cannot come later; write `fault: [first, { …, after: "2m" }]`',
    );
    return undefined;
  }
  if (index === 0 && afterMs > 0) {
    at(`${field}.after`, 'the first fault starts the incident and cannot come later; remove its `after`');
    return undefined;
  }
  if (afterMs < previousMs) {
    at(
      `${field}.after`,
      `${after} comes before the fault above it (${previousMs / 1000} s of runbook time); list the faults in the order they come`,
    );
    return undefined;
  }
  return afterMs;
}

/** Remedy or restore steps: known actions with valid parameters, decision points, `when` branches. */
function checkSteps(field: string, raw: unknown, asked: Set<string>, at: At): RemedyStep[] {
  const steps: RemedyStep[] = [];
  const list = Array.isArray(raw) ? (raw as Record<string, unknown>[]) : [];
  list.forEach((step, index) => {
    const where = `${field}[${index}]`;
    const { action: _a, runbookStep: _r, when: _w, question: _q, onAlert: _o, ...rest } = step ?? {};
    const runbookStep = typeof step?.runbookStep === 'string' ? step.runbookStep : undefined;
    const onAlert = typeof step?.onAlert === 'string' ? step.onAlert : undefined;
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
      const decision = ownEntry(DECISIONS, String(step.question));
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
          ...(onAlert ? { onAlert } : {}),
        });
      }
      return;
    }
    const action = ownEntry(REMEDY_ACTIONS, String(step?.action));
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
        ...(onAlert ? { onAlert } : {}),
      });
    }
  });
  return steps;
}
