import type { CreateExperimentTemplateCommandInput } from '@aws-sdk/client-fis';
import { InputError } from '../core/errors.ts';
import type { ResolvedFault } from '../faults/fault-backend.ts';
import { type FisExport, type FisExportConfig, fisTemplateFor } from '../fis/templates.ts';
import { templateProblems } from '../fis/validate-template.ts';
import type { ResolvedScenario } from './resolve-scenario.ts';
import { STEP_DEADLINES } from './scenario-run.ts';

/** FIS's bounds on an action's duration, in whole minutes (PT1M to PT12H). */
const MIN_MINUTES = 1;
const MAX_MINUTES = 12 * 60;
/** A scenario whose severity has no resolution target: two hours of runbook time, as the time box. */
const NO_TARGET_MS = 2 * 60 * 60_000;

/**
 * How long FIS keeps a lasting fault (disrupted connectivity, latency) in place, in runbook time: long
 * enough that the harness's revert (StopExperiment), not the action's end, is what ends it. That is
 * twice the scenario's course in runbook time (its detection budget, then its resolution target), plus
 * the real work of its remedy, which the time scale does not compress (each step may take up to its
 * deadline), plus a time box for people. Within FIS's PT1M to PT12H.
 */
export function faultDuration(
  resolved: ResolvedScenario,
  { timeScale, timeBoxMs = 0 }: { timeScale: number; timeBoxMs?: number },
): string {
  const course = 2 * (resolved.detectWithinMs + (resolved.resolveWithinMs ?? NO_TARGET_MS));
  const realWork = (resolved.remedy.length + 1) * STEP_DEADLINES.remedyStep + timeBoxMs;
  const ms = course + realWork * timeScale;
  return `PT${Math.min(MAX_MINUTES, Math.max(MIN_MINUTES, Math.ceil(ms / 60_000)))}M`;
}

export interface FisPlanOptions {
  /** Scenarios asked for by id: one without a FIS equivalent is then an error, not skipped. */
  ids?: string[];
  /** Where the config came from, for messages ("compose/staging.json (fis)"). */
  configName: string;
  /** The run's time scale, and a time box for people (wall ms): how long a fault may need to last. */
  timeScale: number;
  timeBoxMs?: number;
  /**
   * The stop conditions of a scenario's experiments (CloudWatch alarm ARNs): by default the config's
   * list. The seam for guards (`--guard ALERTNAME`): a guard's alarm stops the experiment it guards.
   */
  stopConditionAlarms?: (resolved: ResolvedScenario) => string[];
}

export interface FisPlannedScenario {
  resolved: ResolvedScenario;
  /** One template per fault (each fault is its own experiment, in order). */
  templates: { fault: ResolvedFault; template: CreateExperimentTemplateCommandInput }[];
}

export interface FisPlan {
  runnable: FisPlannedScenario[];
  skipped: { id: string; reason: string }[];
}

const asGamedayFault = (fault: ResolvedFault) => ({ kind: fault.kind, ...fault.params });

/** The scenario's faults as one template (what `gameday export fis` writes). */
export function scenarioTemplate(
  resolved: ResolvedScenario,
  config: FisExportConfig,
  timing: Parameters<typeof faultDuration>[1],
  alarms = config.stopConditionAlarms,
): FisExport {
  const { id, title } = resolved.scenario;
  return fisTemplateFor(
    { id, title, fault: resolved.faults.map(asGamedayFault) },
    { ...config, stopConditionAlarms: alarms ?? [] },
    { duration: faultDuration(resolved, timing) },
  );
}

/**
 * Which scenarios run through FIS and with which templates, checked before anything starts: a
 * scenario with a fault FIS cannot inject is skipped (an error when asked for by id); a config that
 * lacks a target, or a template FIS would refuse (checked as the endpoint checks it), is an InputError
 * listing every problem with the scenario and the field.
 */
export function planFisRun(
  scenarios: ResolvedScenario[],
  config: FisExportConfig,
  options: FisPlanOptions,
): FisPlan {
  const problems: string[] = [];
  const plan: FisPlan = { runnable: [], skipped: [] };
  for (const resolved of scenarios) {
    const { id, title, file } = resolved.scenario;
    const alarms = options.stopConditionAlarms?.(resolved) ?? config.stopConditionAlarms ?? [];
    // The whole scenario first: a fault without an equivalent leaves the scenario out.
    const whole = scenarioTemplate(resolved, config, options, alarms);
    if (whole.status === 'no-equivalent') {
      if (options.ids?.includes(id))
        problems.push(`${file}: fault: FIS has no equivalent (${whole.reason}); run it with --faults local`);
      else plan.skipped.push({ id, reason: whole.reason });
      continue;
    }
    if (whole.status === 'needs-config') {
      problems.push(...whole.problems.map((p) => `${options.configName}: fis: ${id} needs ${p}`));
      continue;
    }
    const templates: FisPlannedScenario['templates'] = [];
    resolved.faults.forEach((fault, index) => {
      const field = resolved.faults.length > 1 ? `fault[${index}]` : 'fault';
      const made = fisTemplateFor(
        { id, title, fault: asGamedayFault(fault) },
        { ...config, stopConditionAlarms: alarms },
        { duration: faultDuration(resolved, options) },
      );
      if (made.status !== 'template') return;
      const actions = Object.values(made.template.actions ?? {})
        .map((action) => action.actionId)
        .join(', ');
      for (const problem of templateProblems(made.template))
        problems.push(
          `${file}: ${field} (${fault.kind} → ${actions}): FIS would refuse the template (${problem.type}): ${problem.message} (from ${options.configName})`,
        );
      templates.push({ fault, template: made.template });
    });
    plan.runnable.push({ resolved, templates });
  }
  if (problems.length === 0 && plan.runnable.length === 0)
    problems.push(
      `none of the scenarios has a FIS equivalent (${plan.skipped.map((s) => `${s.id}: ${s.reason}`).join('; ')}); run them with --faults local`,
    );
  if (problems.length > 0) throw new InputError(problems);
  return plan;
}
