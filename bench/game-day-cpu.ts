/**
 * Where a game day's CPU goes: `gameday run` as a user starts it, with every process it starts
 * (harness, backend replicas, PostgreSQL, the front, the fault proxy, the attachment store) sampled
 * from /proc, against what the whole machine was busy with. It answers how many cores one game day
 * (one CI lane) needs, and which part of the stack to make cheaper first.
 *
 *   npm run bench -- game-day-cpu [--time-scale 60] [ids…]
 *
 * Prints a Markdown table for bench/RESULTS.md. Linux only (/proc).
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { statOf } from '../src/stack/process-tree.ts';
import { CLOCK_TICKS } from './clock-ticks.ts';
import { percentile } from './stats.ts';

const { values, positionals } = parseArgs({
  options: { 'time-scale': { type: 'string', default: '60' } },
  allowPositionals: true,
});
const ids = positionals.filter((arg) => arg !== 'game-day-cpu');
const cores = os.availableParallelism();
const SAMPLE_MS = 500;

const COMPONENTS = [
  'harness (incl. its traffic worker)',
  'backend replicas',
  'PostgreSQL',
  'front (L4 balancer)',
  'fault proxy',
  'attachment store',
  'other processes it started',
] as const;
type Component = (typeof COMPONENTS)[number];

function componentOf(pid: number, harness: number, command: string): Component {
  if (pid === harness) return 'harness (incl. its traffic worker)';
  if (command.includes('chat-backend')) return 'backend replicas';
  if (/^postgres(:| )|\/bin\/postgres /.test(command)) return 'PostgreSQL';
  if (command.includes('load-balancer-main')) return 'front (L4 balancer)';
  if (command.includes('proxy/main')) return 'fault proxy';
  if (command.includes('object-store')) return 'attachment store';
  return 'other processes it started';
}

interface Tracked {
  component: Component;
  ticks: number;
}

/** utime + stime and the parent of a process, or undefined once it is gone. */
async function cpuOf(pid: number): Promise<{ ppid: number; ticks: number; started: string } | undefined> {
  const fields = await statOf(pid);
  return (
    fields && {
      ppid: Number(fields[1]),
      ticks: Number(fields[11]) + Number(fields[12]),
      started: fields[19]!,
    }
  );
}

/** The machine's total and busy ticks, and the busy ones by kind. */
async function machineTicks(): Promise<Record<'total' | 'busy' | 'user' | 'system' | 'softirq', number>> {
  const [user, nice, system, idle, iowait, irq, softirq, steal] = (await readFile('/proc/stat', 'utf8'))
    .split('\n')[0]!
    .trim()
    .split(/\s+/)
    .slice(1)
    .map(Number) as number[];
  const busy = user! + nice! + system! + irq! + softirq! + steal!;
  return {
    total: busy + idle! + iowait!,
    busy,
    user: user! + nice!,
    system: system!,
    softirq: softirq! + irq!,
  };
}

const reportDir = await mkdtemp(path.join(os.tmpdir(), 'gameday-cpu-'));
const root = path.resolve(import.meta.dirname, '..');
const startedAt = performance.now();
const machineBefore = await machineTicks();
const child = spawn(
  process.execPath,
  [
    path.join(root, 'bin/gameday.js'),
    'run',
    ...ids,
    '--time-scale',
    values['time-scale'],
    '--report-dir',
    reportDir,
  ],
  { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] },
);
const harness = child.pid!;
let lastLine = '';
child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
  const line = chunk.trim().split('\n').at(-1);
  if (line) lastLine = line;
});
const exited = new Promise<number>((resolve) => child.on('exit', (code) => resolve(code ?? 1)));

// Keyed by pid and start time, so a reused pid is a new process.
const tracked = new Map<string, Tracked>();
const inTree = new Set<number>([harness]);
const ownTicksBefore = (await cpuOf(process.pid))?.ticks ?? 0;

/** The machine's busy cores over each sampling interval. */
const busyCores: number[] = [];
let previous = machineBefore;

async function sample(): Promise<void> {
  const now = await machineTicks();
  if (now.total > previous.total)
    busyCores.push(((now.busy - previous.busy) / (now.total - previous.total)) * cores);
  previous = now;
  const pids = (await readdir('/proc')).filter((name) => /^\d+$/.test(name)).map(Number);
  const stats = await Promise.all(pids.map(async (pid) => ({ pid, stat: await cpuOf(pid) })));
  // Parents before children is not guaranteed: repeat until no new member joins the tree.
  for (let grew = true; grew; ) {
    grew = false;
    for (const { pid, stat } of stats)
      if (stat && !inTree.has(pid) && inTree.has(stat.ppid)) {
        inTree.add(pid);
        grew = true;
      }
  }
  for (const { pid, stat } of stats) {
    if (!stat || !inTree.has(pid)) continue;
    const key = `${pid}:${stat.started}`;
    let entry = tracked.get(key);
    if (!entry) {
      const command = await readFile(`/proc/${pid}/cmdline`, 'utf8')
        .then((text) => text.replaceAll('\0', ' '))
        .catch(() => '');
      entry = { component: componentOf(pid, harness, command), ticks: 0 };
      tracked.set(key, entry);
    }
    entry.ticks = Math.max(entry.ticks, stat.ticks);
  }
}

const progress = setInterval(() => {
  const seconds = ((performance.now() - startedAt) / 1000).toFixed(0);
  process.stderr.write(`\r[${seconds} s] ${lastLine.slice(0, 100).padEnd(100)}`);
}, 2_000);
let running = true;
const code = exited.then((value) => {
  running = false;
  return value;
});
while (running) {
  await sample();
  await Promise.race([new Promise((resolve) => setTimeout(resolve, SAMPLE_MS)), code]);
}
clearInterval(progress);
process.stderr.write('\n');
const wall = (performance.now() - startedAt) / 1000;
const machineAfter = await machineTicks();
const ownTicks = ((await cpuOf(process.pid))?.ticks ?? 0) - ownTicksBefore;
const result = await readFile(path.join(reportDir, 'latest', 'report.json'), 'utf8')
  .then((text) => JSON.parse(text) as { scenarios: { status: string }[] })
  .catch(() => undefined);
await rm(reportDir, { recursive: true, force: true });

const seconds = (ticks: number) => ticks / CLOCK_TICKS;
const byComponent = new Map<Component, number>(COMPONENTS.map((name) => [name, 0]));
for (const { component, ticks } of tracked.values())
  byComponent.set(component, byComponent.get(component)! + ticks);
const delta = (kind: keyof typeof machineBefore) => seconds(machineAfter[kind] - machineBefore[kind]);
const machineBusy = delta('busy');
const attributed = [...byComponent.values()].reduce((sum, ticks) => sum + seconds(ticks), 0);

const passed = result?.scenarios.filter((scenario) => scenario.status === 'passed').length ?? 0;
console.log(
  `gameday run ${ids.join(' ') || '(all scenarios)'} at time scale ${values['time-scale']}: exit ${await code}, ${passed}/${result?.scenarios.length ?? 0} passed, ${wall.toFixed(1)} s on ${cores} cores\n`,
);
const row = (name: string, cpu: number) =>
  `| ${name} | ${cpu.toFixed(1)} | ${(cpu / wall).toFixed(2)} | ${Math.round((cpu / machineBusy) * 100)} % |`;
console.log('| where | CPU-seconds | cores on average | share of the machine’s busy time |');
console.log('| --- | ---: | ---: | ---: |');
for (const [name, ticks] of byComponent) console.log(row(name, seconds(ticks)));
console.log(row('**the game day’s processes**', attributed));
console.log(row('kernel: network and interrupts (softirq)', delta('softirq')));
console.log(
  row(
    'the rest: kernel work for those processes, short-lived ones, the machine',
    machineBusy - attributed - delta('softirq') - seconds(ownTicks),
  ),
);
console.log(row('this bench’s own sampling', seconds(ownTicks)));
console.log(row('**the machine, busy**', machineBusy));
console.log(
  `\nof the machine's busy time, user ${delta('user').toFixed(1)} s, system ${delta('system').toFixed(1)} s, softirq ${delta('softirq').toFixed(1)} s`,
);
const saturated = busyCores.filter((value) => value >= cores * 0.95).length;
console.log(
  `busy cores per ${SAMPLE_MS} ms: median ${percentile(busyCores, 0.5).toFixed(2)}, p90 ${percentile(busyCores, 0.9).toFixed(2)}, max ${Math.max(...busyCores).toFixed(2)}; every core busy in ${Math.round((saturated / busyCores.length) * 100)} % of the intervals`,
);
process.exitCode = (await code) === 0 ? 0 : 1;
