import fs from 'node:fs/promises';
import path from 'node:path';
import { InputError } from '../core/errors.ts';
import { loadScenarios } from '../engine/load-scenarios.ts';
import type { ResolvedScenario } from '../engine/resolve-scenario.ts';
import { readRunbook } from '../runbooks/parse-runbook.ts';
import { EmbeddedStack } from '../stack/embedded/embedded-stack.ts';
import { renderScript } from './render-script.ts';
import { testRunManifest } from './test-run-manifest.ts';
import { k6Thresholds } from './thresholds.ts';
import { trafficModel } from './traffic-model.ts';

export interface K6ExportOptions {
  /** Resolved scenarios (loadScenarios): each gets a script and a TestRun manifest. */
  scenarios: ResolvedScenario[];
  /** The backend the scripts load by default (`-e TARGET=…` overrides it): an http(s) URL. */
  target: string;
  /** Runbook durations are divided by this, as in `gameday run --time-scale` (1: real time). */
  timeScale: number;
  /** k6-operator runners in each TestRun (spec.parallelism). */
  parallelism: number;
  /** The seeded users' password, baked in as the default; without it `k6 run` needs -e CHAT_PASSWORD. */
  password?: string;
}

export interface K6ExportFile {
  /** Relative to the output directory. */
  path: string;
  content: string;
}

/** tsconfig.json beside the scripts: `npx tsc -p .` checks them as k6 sees them (no Node, no DOM). */
const TSCONFIG = `${JSON.stringify(
  {
    compilerOptions: {
      target: 'es2020',
      lib: ['es2020'],
      types: ['k6'],
      module: 'esnext',
      moduleResolution: 'bundler',
      strict: true,
      noEmit: true,
    },
    include: ['*.ts'],
  },
  null,
  2,
)}\n`;

function optionProblems(options: { target: string; timeScale: number; parallelism: number }): string[] {
  const problems: string[] = [];
  let protocol: string | undefined;
  try {
    protocol = new URL(options.target).protocol;
  } catch {
    // reported below
  }
  if (protocol !== 'http:' && protocol !== 'https:')
    problems.push(`--target: expected an http(s) URL like http://127.0.0.1:3001, got "${options.target}"`);
  if (!Number.isFinite(options.timeScale) || options.timeScale <= 0)
    problems.push(`--time-scale: expected a positive number, got ${options.timeScale}`);
  if (!Number.isInteger(options.parallelism) || options.parallelism < 1)
    problems.push(`--parallelism: expected a whole number of runners from 1, got ${options.parallelism}`);
  return problems;
}

/** The files of an export, in memory: tsconfig.json, then `<id>.ts` and `<id>.testrun.yaml` per scenario. */
export function exportK6Scripts(options: K6ExportOptions): K6ExportFile[] {
  const problems = optionProblems(options);
  if (problems.length > 0) throw new InputError(problems);
  const files: K6ExportFile[] = [{ path: 'tsconfig.json', content: TSCONFIG }];
  for (const resolved of options.scenarios) {
    const { id } = resolved.scenario;
    const model = trafficModel(resolved, { ...options, password: options.password ?? '' });
    const script = renderScript(
      resolved,
      model,
      k6Thresholds(resolved, options.timeScale, model),
      options.timeScale,
    );
    files.push({ path: `${id}.ts`, content: script });
    files.push({
      path: `${id}.testrun.yaml`,
      content: testRunManifest(id, `${id}.ts`, model.target, options.parallelism),
    });
  }
  return files;
}

function reason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOTDIR') return 'part of the path is a file';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EROFS') return 'read-only file system';
  return (error as Error).message;
}

/**
 * Writes the files into `outDir` all or nothing: into a temporary sibling first, then renamed into
 * place (the whole directory when it is new; file by file into an existing one, whose other files
 * stay). A directory that cannot be written is an InputError and nothing is left behind.
 */
export async function writeK6Export(outDir: string, files: K6ExportFile[]): Promise<string[]> {
  const target = path.resolve(outDir);
  const fail = (why: string) =>
    new InputError([`--out ${outDir}: cannot write the k6 scripts there: ${why}`]);
  const existing = await fs.stat(target).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw fail(reason(error));
  });
  if (existing && !existing.isDirectory()) throw fail('it is a file, not a directory');
  let temp: string | undefined;
  try {
    if (existing) await fs.access(target, fs.constants.W_OK);
    await fs.mkdir(path.dirname(target), { recursive: true });
    temp = await fs.mkdtemp(path.join(path.dirname(target), `.${path.basename(target)}.tmp-`));
    for (const file of files) await fs.writeFile(path.join(temp, file.path), file.content);
    if (!existing) {
      await fs.rename(temp, target);
      temp = undefined;
    } else {
      for (const file of files) await fs.rename(path.join(temp, file.path), path.join(target, file.path));
    }
  } catch (error) {
    throw fail(reason(error));
  } finally {
    if (temp) await fs.rm(temp, { recursive: true, force: true });
  }
  return files.map((file) => path.join(target, file.path));
}

export interface K6ExportRequest {
  /** Scenario ids; empty or absent: every scenario. */
  ids?: string[];
  outDir: string;
  target: string;
  timeScale: number;
  parallelism: number;
  password?: string;
  scenariosDir: string;
  runbookFile: string;
}

/**
 * `gameday export k6`: loads and resolves the scenarios against the runbook, then writes a script
 * and a TestRun per scenario. Every input problem (ids, target, time scale, parallelism, the
 * scenarios themselves) comes in one InputError (exit 2) before anything is written.
 */
export async function exportK6(request: K6ExportRequest): Promise<{ outDir: string; files: string[] }> {
  const problems = optionProblems(request);
  let scenarios: ResolvedScenario[] = [];
  try {
    scenarios = await loadScenarios({
      dir: path.resolve(request.scenariosDir),
      runbooks: await readRunbook(path.resolve(request.runbookFile)),
      ids: request.ids,
      capabilities: EmbeddedStack.capabilities,
      stackKind: 'embedded',
    });
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    problems.push(...error.problems);
  }
  if (problems.length > 0) throw new InputError(problems);
  const files = exportK6Scripts({ ...request, scenarios });
  return { outDir: path.resolve(request.outDir), files: await writeK6Export(request.outDir, files) };
}
