import { parseDuration } from './durations.ts';
import { registry } from './metrics-registry.ts';
import { type OpenSocket, type ScenarioState, vuContext } from './vu-context.ts';

/** The executors' options the exported scripts use (k6's names). */
export interface ScenarioOptions {
  executor: string;
  exec?: string;
  vus?: number;
  duration: string;
  startTime?: string;
  gracefulStop?: string;
  rate?: number;
  timeUnit?: string;
  preAllocatedVUs?: number;
  maxVUs?: number;
  tags?: Record<string, string>;
}

/** A VU: its own evaluation of the script (k6 gives each VU its own JS runtime) and its open sockets. */
export interface Vu {
  id: number;
  exports: Record<string, unknown>;
  sockets: Set<OpenSocket>;
  /** This VU's copy of what setup() returned (k6 hands each VU the JSON). */
  data: unknown;
}

function wait(ms: number): { done: Promise<void>; cancel: () => void } {
  let timer: NodeJS.Timeout | undefined;
  const done = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, Math.max(0, ms));
  });
  return { done, cancel: () => clearTimeout(timer) };
}

/** How many VUs k6 initialises for a scenario before the test starts. */
export function vusNeeded(options: ScenarioOptions): number {
  if (options.executor === 'constant-vus') return options.vus ?? 1;
  if (options.executor === 'constant-arrival-rate') return options.maxVUs ?? options.preAllocatedVUs ?? 1;
  throw new Error(
    `k6 shim: executor "${options.executor}" is not supported (constant-vus, constant-arrival-rate)`,
  );
}

/** Runs scenarios the way k6's constant-vus and constant-arrival-rate executors schedule iterations. */
export class Executors {
  readonly errors: string[] = [];
  interrupted = 0;
  dropped = 0;

  async run(name: string, options: ScenarioOptions, vus: Vu[], testStart: number): Promise<void> {
    const start = wait(testStart + parseDuration(options.startTime ?? '0s') - Date.now());
    await start.done;
    const state: ScenarioState = {
      name,
      executor: options.executor,
      startTime: Date.now(),
      iterations: 0,
      tags: options.tags ?? {},
    };
    const end = state.startTime + parseDuration(options.duration);
    const hardStop = end + parseDuration(options.gracefulStop ?? '30s');
    const exec = options.exec ?? 'default';
    const iterate = (vu: Vu, n: number) => this.iteration(vu, exec, state, n, hardStop);
    if (options.executor === 'constant-vus') {
      await Promise.all(
        vus.map(async (vu) => {
          for (let n = 0; Date.now() < end; n++) await iterate(vu, n);
        }),
      );
      return;
    }
    // constant-arrival-rate: iterations start on schedule whether or not earlier ones finished.
    const interval = parseDuration(options.timeUnit ?? '1s') / (options.rate ?? 1);
    const idle = [...vus];
    const counts = new Map<Vu, number>();
    const running: Promise<void>[] = [];
    for (let i = 0; state.startTime + i * interval < end; i++) {
      await wait(state.startTime + i * interval - Date.now()).done;
      const vu = idle.pop();
      if (!vu) {
        this.dropped += 1;
        registry.add('dropped_iterations', 'counter', 1, { scenario: name, ...state.tags });
        continue;
      }
      const n = counts.get(vu) ?? 0;
      counts.set(vu, n + 1);
      running.push(iterate(vu, n).finally(() => idle.push(vu)));
    }
    await Promise.all(running);
  }

  /** One iteration: until the function's promise settles and the VU's sockets are closed, or the hard stop. */
  private async iteration(vu: Vu, exec: string, state: ScenarioState, n: number, hardStop: number) {
    const fn = vu.exports[exec];
    if (typeof fn !== 'function') throw new Error(`k6 shim: the script exports no function "${exec}"`);
    const context = {
      vuId: vu.id,
      iterationInScenario: n,
      iterationInTest: state.iterations++,
      scenario: state,
      sockets: vu.sockets,
    };
    const work = vuContext.run(context, async () => {
      try {
        await fn(vu.data);
      } catch (error) {
        this.errors.push(`${state.name}, VU ${vu.id}: ${(error as Error).message}`);
      }
      while (vu.sockets.size > 0) await Promise.all([...vu.sockets].map((socket) => socket.closed));
    });
    const stop = wait(hardStop - Date.now());
    const interrupted = await Promise.race([work.then(() => false), stop.done.then(() => true)]);
    stop.cancel();
    if (interrupted) {
      this.interrupted += 1;
      for (const socket of vu.sockets) socket.close();
    }
  }
}
