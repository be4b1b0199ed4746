/**
 * How long starting a scenario's steady traffic takes (the "traffic" column of game-day-phases): the
 * synthetic users log in and their sockets connect, in the worker thread as in a scenario
 * (WorkerTraffic, boot included) and on this thread (LoadGenerator alone, the logins and connects).
 *
 *   npm run bench -- traffic-start [--runs 7] [--before <git ref>]
 *
 * One tiny embedded stack (2 backend replicas) serves every start. With --before, the same starts
 * with the modules of a worktree of that ref, alternating with this checkout's, so both see the same
 * machine.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { SEED_PASSWORD } from '../fixtures/chat-backend/db/seed.ts';
import { EmbeddedStack } from '../src/stack/embedded/embedded-stack.ts';
import { percentile } from './stats.ts';
import { here, worktreeAt } from './worktree.ts';

const { values } = parseArgs({
  options: { runs: { type: 'string', default: '7' }, before: { type: 'string' } },
  allowPositionals: true,
});
const runs = Number(values.runs);
const median = (samples: number[]) => percentile(samples, 0.5);

type LoadModule = typeof import('../src/load/load-generator.ts');
type WorkerModule = typeof import('../src/load/worker-traffic.ts');

/** The two load modules of a checkout. */
async function modulesOf(root: string): Promise<{ load: LoadModule; worker: WorkerModule }> {
  return {
    load: await import(path.join(root, 'src/load/load-generator.ts')),
    worker: await import(path.join(root, 'src/load/worker-traffic.ts')),
  };
}

/** Milliseconds to start (then stop, untimed) the traffic once, on this thread and in the worker. */
async function timeOnce(modules: { load: LoadModule; worker: WorkerModule }, url: string) {
  const options = { ...modules.load.DEFAULT_TRAFFIC, password: SEED_PASSWORD };
  let started = performance.now();
  const inThread = new modules.load.LoadGenerator(url, options, () => undefined);
  await inThread.start();
  const thread = performance.now() - started;
  await inThread.stop();
  started = performance.now();
  const inWorker = new modules.worker.WorkerTraffic(url, options, () => '');
  await inWorker.start();
  const worker = performance.now() - started;
  await inWorker.stop();
  return { thread, worker };
}

const before = values.before ? worktreeAt(values.before) : undefined;
const stack = await EmbeddedStack.up({ seed: 'tiny', replicas: 2 });
try {
  const url = stack.endpoints.frontUrl;
  const now = await modulesOf(here);
  const then = before ? await modulesOf(before.dir) : undefined;
  // One start each first, untimed: the first pays for the stack's own warm-up.
  await timeOnce(now, url);
  if (then) await timeOnce(then, url);
  type Sample = { thread: number; worker: number };
  const samples = { now: [] as Sample[], before: [] as Sample[] };
  for (let i = 0; i < runs; i++) {
    samples.now.push(await timeOnce(now, url));
    if (then) samples.before.push(await timeOnce(then, url));
  }
  const cell = (list: Sample[], key: 'thread' | 'worker') => {
    const values = list.map((sample) => sample[key]);
    return `${Math.round(median(values))} (${Math.round(Math.min(...values))}–${Math.round(Math.max(...values))})`;
  };
  console.log(`\n${runs} starts each, 12 users and 8 sockets, tiny embedded stack, 2 backend replicas\n`);
  console.log(
    before
      ? `| start | now, median ms (min–max) | ${values.before}, median ms (min–max) |\n| --- | ---: | ---: |`
      : '| start | median ms (min–max) |\n| --- | ---: |',
  );
  for (const [label, key] of [
    ['in the worker (as a scenario)', 'worker'],
    ['on this thread (logins and sockets)', 'thread'],
  ] as const) {
    console.log(`| ${label} | ${cell(samples.now, key)} |${then ? ` ${cell(samples.before, key)} |` : ''}`);
  }
} finally {
  await stack.down();
  before?.remove();
}
