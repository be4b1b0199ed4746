import fs from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { InputError } from '../core/errors.ts';
import type { RunbookDocument } from '../runbooks/parse-runbook.ts';
import { type Scenario, scenarioSchema } from '../scenario/schema.ts';
import type { Capability } from '../stack/stack.ts';
import { checkParts, type ResolvedScenario, resolveScenario } from './resolve-scenario.ts';

function alertsOf(scenario: Scenario): Exclude<Scenario['alert'], unknown[]>[] {
  return Array.isArray(scenario.alert) ? scenario.alert : [scenario.alert];
}

function describeValue(value: unknown): string {
  const text = JSON.stringify(value);
  return text === undefined ? 'nothing' : text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** Imports one scenario file and validates its default export; problems name the file and the field. */
export async function loadScenarioFile(
  file: string,
): Promise<{ scenario?: Scenario; raw?: unknown; problems: string[] }> {
  const shown = path.relative(process.cwd(), file) || file;
  let exported: unknown;
  try {
    exported = ((await import(pathToFileURL(file).href)) as { default?: unknown }).default;
  } catch (error) {
    const message = (error as Error).message.split('\n')[0] ?? '';
    const hint = /require\(\) ES Module/.test(message)
      ? ' (outside this project, put a package.json with "type": "module" beside the scenarios, or name them .mts)'
      : '';
    return { problems: [`${shown}: cannot be loaded: ${message}${hint}`] };
  }
  if (exported === undefined) {
    return { problems: [`${shown}: no default export; write \`export default defineScenario({ … })\``] };
  }
  return validateScenario(exported, shown);
}

/**
 * Validates a scenario value (a file's default export, or a `defineScenario` value handed over in
 * code); problems name `shown` (the file, or where the value came from) and the field.
 */
export function validateScenario(
  value: unknown,
  shown: string,
): { scenario?: Scenario; raw?: unknown; problems: string[] } {
  const parsed = scenarioSchema.safeParse(value);
  if (!parsed.success) {
    return {
      raw: value,
      problems: parsed.error.issues.map((issue) => {
        const field = issue.path.join('.') || '(scenario)';
        const given = issue.path.reduce<unknown>(
          (at, key) => (at as Record<string | number, unknown> | undefined)?.[key as string],
          value,
        );
        const got =
          issue.code === 'unrecognized_keys' || given === undefined ? '' : `, got ${describeValue(given)}`;
        return `${shown}: ${field}: ${issue.message}${got}`;
      }),
    };
  }
  return { scenario: { ...parsed.data, file: shown }, problems: [] };
}

export interface LoadOptions {
  dir: string;
  runbooks: RunbookDocument;
  /** Only these scenario ids (all when empty). */
  ids?: string[];
  /** What the chosen stack can do. */
  capabilities: ReadonlySet<Capability>;
  stackKind: string;
  /**
   * Another team's runbook covers only some incidents: scenarios whose runbook it lacks are left out
   * (each told to `onSkip`) instead of refused. Scenarios asked for by id are never left out, and with
   * the project's own runbook a missing number stays an error (a typo in the scenario).
   */
  partialRunbook?: { onSkip: (message: string) => void };
  /**
   * A stack someone else runs may lack capabilities: scenarios that need one are left out (each told to
   * `onSkip`) instead of refused, unless they were asked for by id.
   */
  skipUnsupported?: { onSkip: (message: string) => void };
}

/**
 * Loads, validates and resolves the scenarios before anything is touched. Every problem in every file
 * is collected and thrown together as one InputError.
 */
export async function loadScenarios(options: LoadOptions): Promise<ResolvedScenario[]> {
  let files: string[];
  try {
    files = (await fs.readdir(options.dir))
      .filter((name) => /\.(ts|mts|js|mjs)$/.test(name) && !name.endsWith('.d.ts'))
      .sort()
      .map((name) => path.resolve(options.dir, name));
  } catch {
    throw new InputError([`${options.dir}: no such scenario directory; pass --scenarios DIR`]);
  }
  const problems: string[] = [];
  const resolved: ResolvedScenario[] = [];
  const seen = new Map<string, string>();
  let unsupported = 0;
  for (const file of files) {
    const loaded = await loadScenarioFile(file);
    problems.push(...loaded.problems);
    if (!loaded.scenario) {
      if (typeof loaded.raw === 'object' && loaded.raw !== null) {
        const shown = path.relative(process.cwd(), file) || file;
        problems.push(...checkParts({ ...(loaded.raw as object), file: shown }, options.runbooks).problems);
      }
      continue;
    }
    const scenario = loaded.scenario;
    const earlier = seen.get(scenario.id);
    if (earlier) problems.push(`${scenario.file}: id: "${scenario.id}" is already used by ${earlier}`);
    seen.set(scenario.id, scenario.file);
    const chosen = options.ids && options.ids.length > 0;
    if (chosen && !options.ids!.includes(scenario.id)) continue;
    // A compound incident's alerts may belong to other runbooks: the document must have them all.
    const numbers = [scenario.runbook.number, ...alertsOf(scenario).map((alert) => alert.runbook?.number)];
    const missing = numbers.find(
      (number) => number !== undefined && !options.runbooks.runbooks.some((r) => r.number === number),
    );
    if (options.partialRunbook && !chosen && missing !== undefined) {
      options.partialRunbook.onSkip(
        `${scenario.id}: skipped, ${path.basename(options.runbooks.file)} has no runbook ${missing}`,
      );
      continue;
    }
    const result = resolveScenario(scenario, options.runbooks);
    problems.push(...result.problems);
    if (!result.resolved) continue;
    const lacking = result.resolved.requires.filter((capability) => !options.capabilities.has(capability));
    if (lacking.length > 0 && options.skipUnsupported && !chosen) {
      options.skipUnsupported.onSkip(
        `${scenario.id}: skipped, the ${options.stackKind} stack cannot do ${lacking.join(', ')}`,
      );
      unsupported += 1;
      continue;
    }
    if (lacking.length > 0) {
      problems.push(
        `${scenario.file}: needs ${lacking.join(', ')}, which the ${options.stackKind} stack cannot do`,
      );
    }
    resolved.push(result.resolved);
  }
  for (const id of options.ids ?? []) {
    if (!seen.has(id))
      problems.push(`${id}: no such scenario in ${options.dir}; \`gameday list\` shows them`);
  }
  if (files.length === 0) problems.push(`${options.dir}: contains no scenario files`);
  else if (resolved.length === 0 && unsupported > 0 && problems.length === 0)
    problems.push(
      `the ${options.stackKind} stack can run none of the scenarios in ${options.dir}; give its config the commands they need`,
    );
  else if (resolved.length === 0 && problems.length === 0)
    problems.push(
      `${options.runbooks.file}: none of its runbooks (${options.runbooks.runbooks.map((r) => r.number).join(', ') || 'none found'}) has a scenario in ${options.dir}`,
    );
  if (problems.length > 0) throw new InputError(problems);
  return resolved;
}
