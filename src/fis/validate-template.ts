import { ownEntry } from '../core/own-entry.ts';
import { FIS_ACTIONS, FIS_RESOURCE_TYPES, type FisParameter } from './action-catalogue.ts';
import { isoDurationMs, MAX_ACTION_DURATION_MS, MIN_ACTION_DURATION_MS } from './iso-duration.ts';
import { type FisProblem, isObject, type Json, Problems } from './problems.ts';
import { parseSelectionMode } from './selection.ts';
import type { ActionSpec, TargetSpec, TemplateBody } from './shapes.ts';

/** FIS's quotas per template (Service Quotas: "Actions per experiment template" and the like). */
export const MAX_ACTIONS = 20;
export const MAX_STOP_CONDITIONS = 5;

const ALARM_ARN = /^arn:aws[\w-]*:cloudwatch:[\w-]*:\d*:alarm:\S+$/;

/**
 * Every problem with an experiment template (a CreateExperimentTemplate body, or a template with an
 * update applied), checked as FIS checks them: constraints of its model, then action ids, parameters,
 * durations, target keys and resource types, selection modes, startAfter and stop conditions.
 */
export function templateProblems(input: unknown): FisProblem[] {
  const p = new Problems();
  if (!isObject(input)) {
    p.add('The request body must be a JSON object.');
    return p.list;
  }
  p.string('description', input.description, { required: true, max: 512 });
  p.string('roleArn', input.roleArn, { required: true, min: 20, max: 2048, noSpace: true });
  if (input.tags !== undefined) p.stringMap('tags', input.tags, 50);
  if (input.logConfiguration !== undefined && !isObject(input.logConfiguration))
    p.constraint('logConfiguration', input.logConfiguration, 'Member must be a structure');
  const targets = checkTargets(p, input.targets);
  checkActions(p, input.actions, targets);
  checkStopConditions(p, input.stopConditions);
  checkOptions(p, input.experimentOptions);
  return p.list;
}

function checkName(p: Problems, path: string, name: string): void {
  if (name.length === 0 || name.length > 64 || /\s/.test(name))
    p.constraint(path, name, 'Member must have length less than or equal to 64 and match [\\S]+');
}

/** The targets that are well formed, by name (the actions are checked against them). */
function checkTargets(p: Problems, targets: unknown): Map<string, Json> {
  const valid = new Map<string, Json>();
  if (targets === undefined) return valid;
  if (!isObject(targets)) {
    p.constraint('targets', targets, 'Member must be a map of targets');
    return valid;
  }
  for (const [name, target] of Object.entries(targets)) {
    checkName(p, 'targets', name);
    if (!isObject(target)) {
      p.constraint(`targets.${name}`, target, 'Member must be a structure');
      continue;
    }
    checkTarget(p, name, target);
    valid.set(name, target);
  }
  return valid;
}

function checkTarget(p: Problems, name: string, target: Json): void {
  const path = `targets.${name}`;
  const type = target.resourceType;
  if (
    p.string(`${path}.resourceType`, type, { required: true, max: 128, noSpace: true }) &&
    !ownEntry(FIS_RESOURCE_TYPES, type)
  )
    p.add(`Target ${name}: resource type ${type} is not supported (ListTargetResourceTypes lists them).`);
  const mode = target.selectionMode;
  if (p.string(`${path}.selectionMode`, mode, { required: true, max: 64 }) && !parseSelectionMode(mode))
    p.add(`Target ${name}: selection mode ${mode} is not ALL, COUNT(n) or PERCENT(n).`);
  const { resourceArns: arns, resourceTags: tags, filters, parameters } = target;
  if (arns !== undefined && p.stringList(`${path}.resourceArns`, arns)) {
    if (arns.length === 0 || arns.length > 5)
      p.constraint(`${path}.resourceArns`, arns, 'Member must have length between 1 and 5');
    arns.forEach((arn, i) => {
      p.string(`${path}.resourceArns.${i + 1}.member`, arn, { min: 20, max: 2048, noSpace: true });
    });
  }
  if (tags !== undefined) p.stringMap(`${path}.resourceTags`, tags, 50);
  if (filters !== undefined) checkFilters(p, `${path}.filters`, filters);
  if (parameters !== undefined && p.stringMap(`${path}.parameters`, parameters)) {
    const known = ownEntry(FIS_RESOURCE_TYPES, String(type))?.parameters ?? {};
    for (const key of Object.keys(parameters))
      if (!ownEntry(known, key))
        p.add(`Target ${name}: resource type ${String(type)} takes no parameter ${key}.`);
    for (const key of requiredOf(known))
      if (parameters[key] === undefined)
        p.add(`Target ${name}: resource type ${String(type)} requires parameter ${key}.`);
  }
  if (arns !== undefined && tags !== undefined)
    p.add(`Target ${name}: give resourceArns or resourceTags, not both.`);
  if (type === 'aws:eks:pod') {
    if (arns !== undefined || tags !== undefined || filters !== undefined)
      p.add(`Target ${name}: aws:eks:pod targets are found by parameters, not by ARNs, tags or filters.`);
    else if (parameters === undefined)
      p.add(
        `Target ${name}: aws:eks:pod targets need parameters (clusterIdentifier, namespace, selectorType, selectorValue).`,
      );
  } else if (arns === undefined && tags === undefined && filters === undefined && parameters === undefined) {
    p.add(`Target ${name}: give resourceArns, resourceTags, filters or parameters to find its resources.`);
  }
}

function checkFilters(p: Problems, path: string, filters: unknown): void {
  if (!Array.isArray(filters)) {
    p.constraint(path, filters, 'Member must be a list of filters');
    return;
  }
  filters.forEach((filter, i) => {
    const at = `${path}.${i + 1}.member`;
    if (!isObject(filter)) p.constraint(at, filter, 'Member must be a structure');
    else {
      p.string(`${at}.path`, filter.path, { required: true, max: 256, noSpace: true });
      if (p.stringList(`${at}.values`, filter.values) && filter.values.length === 0)
        p.constraint(`${at}.values`, filter.values, 'Member must have length greater than or equal to 1');
    }
  });
}

const requiredOf = (parameters: Record<string, FisParameter>) =>
  Object.entries(parameters)
    .filter(([, parameter]) => parameter.required)
    .map(([key]) => key);

function checkActions(p: Problems, actions: unknown, targets: Map<string, Json>): void {
  if (actions === undefined || actions === null) {
    p.constraint('actions', actions, 'Member must not be null');
    return;
  }
  if (!isObject(actions)) {
    p.constraint('actions', actions, 'Member must be a map of actions');
    return;
  }
  const names = Object.keys(actions);
  if (names.length === 0) p.add('An experiment template needs at least one action.');
  if (names.length > MAX_ACTIONS) p.quota(`An experiment template can have at most ${MAX_ACTIONS} actions.`);
  for (const [name, action] of Object.entries(actions)) {
    checkName(p, 'actions', name);
    if (!isObject(action)) p.constraint(`actions.${name}`, action, 'Member must be a structure');
    else checkAction(p, name, action, targets, names);
  }
  const cycle = findCycle(actions);
  if (cycle) p.add(`Actions ${cycle.join(' → ')}: startAfter forms a cycle.`);
}

function checkAction(
  p: Problems,
  name: string,
  action: Json,
  targets: Map<string, Json>,
  names: string[],
): void {
  const path = `actions.${name}`;
  const id = action.actionId;
  if (!p.string(`${path}.actionId`, id, { required: true, max: 128, noSpace: true })) return;
  p.string(`${path}.description`, action.description, { max: 512 });
  const type = ownEntry(FIS_ACTIONS, id);
  if (!type) {
    p.add(`Action ${name}: ${id} is not a FIS action (ListActions lists them).`);
    return;
  }
  const parameters = action.parameters ?? {};
  if (p.stringMap(`${path}.parameters`, parameters)) {
    for (const key of Object.keys(parameters))
      if (!ownEntry(type.parameters, key)) p.add(`Action ${name}: ${id} takes no parameter ${key}.`);
    for (const key of requiredOf(type.parameters))
      if (parameters[key] === undefined) p.add(`Action ${name}: ${id} requires parameter ${key}.`);
    if (parameters.duration !== undefined) checkDuration(p, name, parameters.duration);
  }
  const keys = action.targets ?? {};
  if (p.stringMap(`${path}.targets`, keys)) {
    for (const [key, targetName] of Object.entries(keys)) {
      const wanted = ownEntry(type.targets, key);
      const takes = Object.keys(type.targets);
      if (!wanted)
        p.add(
          `Action ${name}: ${id} takes no target key ${key} (${takes.length ? `it takes ${takes.join(', ')}` : 'it takes no targets'}).`,
        );
      else if (!targets.has(targetName))
        p.add(
          `Action ${name}: target key ${key} names ${targetName}, which is not a target of this template.`,
        );
      else if (targets.get(targetName)!.resourceType !== wanted)
        p.add(
          `Action ${name}: target ${targetName} is of resource type ${String(targets.get(targetName)!.resourceType)}, but ${id} takes ${wanted} for ${key}.`,
        );
    }
    for (const key of Object.keys(type.targets))
      if (keys[key] === undefined) p.add(`Action ${name}: ${id} requires target key ${key}.`);
  }
  if (action.startAfter !== undefined && p.stringList(`${path}.startAfter`, action.startAfter)) {
    for (const before of action.startAfter)
      if (before === name || !names.includes(before))
        p.add(`Action ${name}: startAfter names ${before}, which is not another action of this template.`);
  }
}

function checkDuration(p: Problems, name: string, value: string): void {
  const ms = isoDurationMs(value);
  if (ms === undefined) p.add(`Action ${name}: duration ${value} is not an ISO 8601 duration (e.g. PT5M).`);
  else if (ms < MIN_ACTION_DURATION_MS || ms > MAX_ACTION_DURATION_MS)
    p.add(`Action ${name}: duration ${value} is outside FIS's bounds (PT1M to PT12H).`);
}

/** The names on a startAfter cycle, if there is one. */
function findCycle(actions: Json): string[] | undefined {
  const after = (name: string): string[] => {
    const list = (actions[name] as Json | undefined)?.startAfter;
    return Array.isArray(list) ? list.filter((n): n is string => typeof n === 'string' && n in actions) : [];
  };
  const state = new Map<string, 'open' | 'done'>();
  const visit = (name: string, path: string[]): string[] | undefined => {
    if (state.get(name) === 'done') return undefined;
    if (state.get(name) === 'open') return [...path.slice(path.indexOf(name)), name];
    state.set(name, 'open');
    for (const next of after(name)) {
      if (next === name) continue; // reported on its own
      const cycle = visit(next, [...path, name]);
      if (cycle) return cycle;
    }
    state.set(name, 'done');
    return undefined;
  };
  for (const name of Object.keys(actions)) {
    const cycle = visit(name, []);
    if (cycle) return cycle;
  }
  return undefined;
}

function checkStopConditions(p: Problems, conditions: unknown): void {
  if (!Array.isArray(conditions)) {
    p.constraint(
      'stopConditions',
      conditions,
      conditions == null ? 'Member must not be null' : 'Member must be a list',
    );
    return;
  }
  if (conditions.length === 0) p.add('Give at least one stop condition ({"source": "none"} for none).');
  if (conditions.length > MAX_STOP_CONDITIONS)
    p.quota(`An experiment template can have at most ${MAX_STOP_CONDITIONS} stop conditions.`);
  conditions.forEach((condition, i) => {
    const at = `stopConditions.${i + 1}.member`;
    if (!isObject(condition)) {
      p.constraint(at, condition, 'Member must be a structure');
      return;
    }
    const { source, value } = condition;
    if (!p.string(`${at}.source`, source, { required: true, max: 64, noSpace: true })) return;
    if (source === 'none') return;
    if (source !== 'aws:cloudwatch:alarm') {
      p.add(`Stop condition ${i + 1}: source ${source} is not none or aws:cloudwatch:alarm.`);
      return;
    }
    if (value === undefined)
      p.add(`Stop condition ${i + 1}: aws:cloudwatch:alarm needs value, the alarm's ARN.`);
    else if (p.string(`${at}.value`, value, { min: 20, max: 2048 }) && !ALARM_ARN.test(value))
      p.add(`Stop condition ${i + 1}: ${value} is not the ARN of a CloudWatch alarm.`);
  });
}

function checkOptions(p: Problems, options: unknown): void {
  if (options === undefined) return;
  if (!isObject(options)) {
    p.constraint('experimentOptions', options, 'Member must be a structure');
    return;
  }
  const { accountTargeting: targeting, emptyTargetResolutionMode: mode } = options;
  if (targeting !== undefined && targeting !== 'single-account' && targeting !== 'multi-account')
    p.constraint(
      'experimentOptions.accountTargeting',
      targeting,
      'Member must satisfy enum value set: [single-account, multi-account]',
    );
  if (targeting === 'multi-account') p.add('multi-account experiments are not supported by this endpoint.');
  if (mode !== undefined && mode !== 'fail' && mode !== 'skip')
    p.constraint(
      'experimentOptions.emptyTargetResolutionMode',
      mode,
      'Member must satisfy enum value set: [fail, skip]',
    );
}

/** The template as stored, from a body `templateProblems` found nothing wrong with. */
export function toTemplateBody(input: Json): TemplateBody {
  const actions = input.actions as Record<string, Json>;
  const options = (input.experimentOptions ?? {}) as Json;
  return {
    description: input.description as string,
    roleArn: input.roleArn as string,
    targets: Object.fromEntries(
      Object.entries((input.targets ?? {}) as Record<string, Json>).map(([name, target]) => [
        name,
        toTargetSpec(target),
      ]),
    ),
    actions: Object.fromEntries(
      Object.entries(actions).map(([name, action]) => {
        const spec: ActionSpec = {
          actionId: action.actionId as string,
          parameters: { ...((action.parameters ?? {}) as Record<string, string>) },
        };
        if (action.description !== undefined) spec.description = action.description as string;
        if (action.targets !== undefined) spec.targets = { ...(action.targets as Record<string, string>) };
        if (action.startAfter !== undefined) spec.startAfter = [...(action.startAfter as string[])];
        return [name, spec];
      }),
    ),
    stopConditions: structuredClone(input.stopConditions as TemplateBody['stopConditions']),
    experimentOptions: {
      accountTargeting: 'single-account',
      emptyTargetResolutionMode: (options.emptyTargetResolutionMode as 'fail' | 'skip' | undefined) ?? 'fail',
    },
    ...(input.logConfiguration === undefined
      ? {}
      : { logConfiguration: structuredClone(input.logConfiguration) }),
  };
}

function toTargetSpec(target: Json): TargetSpec {
  const spec: TargetSpec = {
    resourceType: target.resourceType as string,
    selectionMode: target.selectionMode as string,
  };
  for (const key of ['resourceArns', 'resourceTags', 'filters', 'parameters'] as const)
    if (target[key] !== undefined) (spec as unknown as Json)[key] = structuredClone(target[key]);
  return spec;
}
