/**
 * Peers side by side: a scratch copy of ../shared/peer-bench (a measuring tool, not part of the
 * project: Artillery, autocannon and their target servers), and the means to run any generator, a
 * peer's or gameday's, the same way: a fresh target server per run, the generator under GNU
 * `time -v` for its CPU seconds and peak memory, the server's own counters as the yardstick.
 */
import { type ChildProcess, fork, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const SHARED = fileURLToPath(new URL('../../../shared/peer-bench/', import.meta.url));
/** Where the copy lives; GAMEDAY_PEER_BENCH_DIR points at another one. */
export const PEER_DIR = process.env.GAMEDAY_PEER_BENCH_DIR ?? path.join(os.tmpdir(), 'gameday-peer-bench');
/** Artillery resolves its telemetry host even with telemetry off: the peer's preload stubs it. */
export const ARTILLERY_ENV = {
  ARTILLERY_DISABLE_TELEMETRY: 'true',
  NODE_OPTIONS: '--require=./lib/no-phone-home.js',
};

/** Copies ../shared/peer-bench and installs its pinned tools, once. */
export async function preparePeerBench(): Promise<string> {
  if (existsSync(path.join(PEER_DIR, 'node_modules', 'artillery'))) return PEER_DIR;
  if (!existsSync(SHARED))
    throw new Error(`peer-bench not found at ${SHARED}; set GAMEDAY_PEER_BENCH_DIR to a set-up copy`);
  process.stderr.write(`setting up peer-bench in ${PEER_DIR} (npm ci, about a minute)\n`);
  await fs.cp(SHARED, PEER_DIR, { recursive: true, filter: (from) => !from.includes('node_modules') });
  await runToEnd('npm', ['run', 'setup'], PEER_DIR);
  return PEER_DIR;
}

function runToEnd(command: string, args: string[], cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'ignore', 'inherit'] });
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`${command} ${args.join(' ')} exited ${code}`)),
    );
  });
}

export interface PeerServer {
  port: number;
  /** The server's own counters (connects, requests, its CPU…), as the peer's scripts report them. */
  stats<T>(): Promise<T>;
  stop(): Promise<void>;
}

/** Starts one of peer-bench's target servers (sio-server.js, http-server.js) on 127.0.0.1. */
export async function startPeerServer(script: string, args: string[] = []): Promise<PeerServer> {
  const child: ChildProcess = fork(path.join(PEER_DIR, script), ['--port', '0', ...args], {
    cwd: PEER_DIR,
    execArgv: ['--expose-gc'],
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${script} did not start within 15 s`)), 15_000);
    child.once('message', (message: { port: number }) => {
      clearTimeout(timer);
      resolve(message.port);
    });
    child.once('error', reject);
  });
  return {
    port,
    stats: <T>() =>
      new Promise<T>((resolve) => {
        const on = (message: { stats?: T }) => {
          if (message?.stats === undefined) return;
          child.off('message', on);
          resolve(message.stats);
        };
        child.on('message', on);
        child.send({ cmd: 'stats' });
      }),
    stop: async () => {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5_000))]);
    },
  };
}

export interface TimedRun {
  code: number | null;
  stdout: string;
  /** User + system CPU seconds of the generator and its children. */
  cpuS: number;
  wallS: number;
  maxRssMB: number;
}

/** Runs a generator under GNU time -v (Debian's `time` package), killing its process group past the limit. */
export function timed(
  command: string[],
  { cwd, env = {}, limitS = 240 }: { cwd: string; env?: Record<string, string>; limitS?: number },
): Promise<TimedRun> {
  return new Promise((resolve, reject) => {
    const child = spawn('/usr/bin/time', ['-v', ...command], {
      cwd,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const timer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), limitS * 1000);
    child.once('error', reject);
    child.once('exit', (code) => {
      clearTimeout(timer);
      const get = (pattern: RegExp) => pattern.exec(stderr)?.[1];
      const user = get(/User time \(seconds\): ([\d.]+)/);
      if (user === undefined) {
        reject(new Error(`no GNU time report (apt-get install time?); stderr ends:\n${stderr.slice(-1500)}`));
        return;
      }
      const wall = get(/Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): ([\d:.]+)/) ?? '0';
      resolve({
        code,
        stdout,
        cpuS: Number(user) + Number(get(/System time \(seconds\): ([\d.]+)/)),
        wallS: wall
          .split(':')
          .map(Number)
          .reduce((total, part) => total * 60 + part, 0),
        maxRssMB: Number(get(/Maximum resident set size \(kbytes\): (\d+)/)) / 1024,
      });
    });
  });
}

/** The last JSON line a generator printed. */
export function lastJson<T>(text: string): T {
  const line = text
    .trim()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .at(-1);
  if (!line) throw new Error(`the generator printed no JSON result; it printed:\n${text.slice(-1500)}`);
  return JSON.parse(line) as T;
}

export const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

/** "median [min–max]" of a figure over the repetitions. */
export function spread(values: number[], digits = 0): string {
  const f = (value: number) =>
    value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
  return `${f(median(values))} [${f(Math.min(...values))}–${f(Math.max(...values))}]`;
}

/**
 * Every generator `reps` times in rotated order (A B C, B C A, …), so no generator always runs on a
 * machine warmed by another; `describe` is the progress line of one result.
 */
export async function rotatedRounds<G extends { name: string }, R>(
  generators: G[],
  reps: number,
  once: (generator: G, tag: string) => Promise<R>,
  describe: (result: R) => string,
): Promise<Map<G, R[]>> {
  const results = new Map<G, R[]>(generators.map((g) => [g, []]));
  for (let rep = 0; rep < reps; rep++) {
    for (let i = 0; i < generators.length; i++) {
      const generator = generators[(rep + i) % generators.length]!;
      const result = await once(generator, `run-${rep}-${i}`);
      results.get(generator)!.push(result);
      process.stderr.write(`rep ${rep + 1}/${reps} ${generator.name}: ${describe(result)}\n`);
    }
  }
  return results;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
