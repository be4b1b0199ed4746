import esbuild from 'esbuild';
import { Executors, type ScenarioOptions, type Vu, vusNeeded } from './executors.ts';
import * as k6 from './k6.ts';
import * as execution from './k6-execution.ts';
import * as http from './k6-http.ts';
import * as metrics from './k6-metrics.ts';
import * as timers from './k6-timers.ts';
import * as websockets from './k6-websockets.ts';
import { type MetricsRegistry, registry } from './metrics-registry.ts';
import { evaluateThresholds, type ThresholdResult } from './thresholds.ts';
import { type OpenSocket, vuContext } from './vu-context.ts';

/**
 * A test device, not k6: it runs a k6 bundle's exported functions in Node, against a real backend,
 * with stand-ins for the k6 modules the exported scripts import. Each VU gets its own evaluation of
 * the bundle (k6 gives each VU its own JS runtime); the scheduling follows k6's constant-vus and
 * constant-arrival-rate executors; thresholds and checks are judged over the samples as k6 does at
 * the end of a run. It proves the scripts' protocol logic and options, not the k6 runtime.
 */
const MODULES: Record<string, unknown> = {
  k6,
  'k6/execution': execution,
  'k6/http': http,
  'k6/metrics': metrics,
  'k6/timers': timers,
  'k6/websockets': websockets,
};

export interface K6RunResult {
  /** Every threshold held: `k6 run` would exit 0 (else 99). */
  passed: boolean;
  thresholds: ThresholdResult[];
  checks: Record<string, { passes: number; fails: number }>;
  /** Exceptions thrown by iterations (k6 logs them and goes on). */
  errors: string[];
  interrupted: number;
  /** Arrival-rate iterations not started for want of a free VU (k6's dropped_iterations). */
  dropped: number;
  durationMs: number;
  metrics: MetricsRegistry;
}

interface ScriptExports extends Record<string, unknown> {
  options?: { scenarios?: Record<string, ScenarioOptions>; thresholds?: Record<string, string[]> };
}

function requireModule(name: string): unknown {
  const found = MODULES[name];
  if (!found) throw new Error(`k6 shim: the bundle imports "${name}", which this device does not provide`);
  return found;
}

function checkSummary(): K6RunResult['checks'] {
  const checks: K6RunResult['checks'] = {};
  for (const sample of registry.samples('checks')) {
    const name = sample.tags.check ?? '';
    const entry = checks[name] ?? { passes: 0, fails: 0 };
    checks[name] = entry;
    if (sample.value) entry.passes += 1;
    else entry.fails += 1;
  }
  return checks;
}

/** The bundle as k6 evaluates a script for each VU: a fresh module scope every time. */
async function loader(bundle: string, env: Record<string, string>): Promise<(vuId: number) => ScriptExports> {
  const { code } = await esbuild.transform(bundle, { format: 'cjs', target: 'es2020', loader: 'js' });
  const factory = new Function('require', 'module', 'exports', '__ENV', '__VU', code);
  return (vuId) => {
    const module = { exports: {} as ScriptExports };
    factory(requireModule, module, module.exports, env, vuId);
    return module.exports;
  };
}

/** The script's `options`, from its init context, as `k6 inspect` shows them. */
export async function loadK6Options(bundle: string, env: Record<string, string> = {}) {
  return (await loader(bundle, env))(0).options ?? {};
}

/** setup() in a transient VU before the clock starts; its result as the JSON k6 hands to VUs. */
async function runSetup(script: ScriptExports): Promise<string | undefined> {
  if (typeof script.setup !== 'function') return undefined;
  const setup = script.setup as () => unknown;
  const scenario = {
    name: '',
    executor: '',
    startTime: Date.now(),
    iterations: 0,
    tags: { group: '::setup' },
  };
  const context = {
    vuId: 0,
    iterationInScenario: 0,
    iterationInTest: 0,
    scenario,
    sockets: new Set<OpenSocket>(),
  };
  const result = await vuContext.run(context, async () => setup());
  return result === undefined ? undefined : JSON.stringify(result);
}

/** Runs an ES-module bundle made the way k6 loads TypeScript (esbuild, k6 modules external). */
export async function runK6Bundle(bundle: string, env: Record<string, string> = {}): Promise<K6RunResult> {
  const evaluate = await loader(bundle, env);
  const { scenarios = {}, thresholds = {} } = evaluate(0).options ?? {};
  registry.clear();
  const data = await runSetup(evaluate(0));
  // k6 initialises every VU before the clock starts.
  let nextId = 1;
  const vus = Object.fromEntries(
    Object.entries(scenarios).map(([name, options]) => [
      name,
      Array.from({ length: vusNeeded(options) }, (): Vu => {
        const id = nextId++;
        return {
          id,
          exports: evaluate(id),
          sockets: new Set(),
          data: data === undefined ? undefined : JSON.parse(data),
        };
      }),
    ]),
  );
  const executors = new Executors();
  const testStart = Date.now();
  await Promise.all(
    Object.entries(scenarios).map(([name, options]) => executors.run(name, options, vus[name]!, testStart)),
  );
  const durationMs = Date.now() - testStart;
  http.closeAgents();
  const results = evaluateThresholds(thresholds, registry, durationMs);
  return {
    passed: results.every((result) => result.ok),
    thresholds: results,
    checks: checkSummary(),
    errors: executors.errors,
    interrupted: executors.interrupted,
    dropped: executors.dropped,
    durationMs,
    metrics: registry,
  };
}
