import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { sleep } from '../../core/wait.ts';
import { removeLabelled } from '../containers/docker-cli.ts';
import { signalTree } from '../process-tree.ts';

/** A process the stack started, identified by pid and kernel start time (so a reused pid is not ours). */
export interface TrackedProcess {
  name: string;
  pid: number;
  startTime: number;
  /** PostgreSQL wants SIGINT for a fast shutdown; node processes and companions take SIGTERM. */
  kind: 'postgres' | 'node' | 'companion';
}

export interface StackRecord {
  id: string;
  kind: 'embedded' | 'containers' | 'testcontainers';
  owner: { pid: number; startTime: number };
  createdAt: string;
  /** Everything on disk the stack owns; removed at teardown. */
  root: string;
  processes: TrackedProcess[];
  /** What `stack status` prints (no secrets). */
  endpoints: Record<string, string>;
  /** The owner is a `gameday stack up` that tears the stack down on SIGTERM (a test process is not). */
  stopsOnSigterm: boolean;
}

export function stateDir(): string {
  return process.env.GAMEDAY_STATE_DIR ?? path.join(os.tmpdir(), 'gameday-state');
}

/**
 * Field 22 of /proc/<pid>/stat: when the process started, in clock ticks since boot; undefined when
 * there is no such process or it has exited and waits to be reaped (a zombie is not running).
 */
export async function processStartTime(pid: number): Promise<number | undefined> {
  try {
    const stat = await fs.readFile(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces; count fields after its closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (fields[0] === 'Z' || fields[0] === 'X') return undefined;
    return Number(fields[19]);
  } catch {
    return undefined;
  }
}

async function isSameProcess(pid: number, startTime: number): Promise<boolean> {
  return (await processStartTime(pid)) === startTime;
}

const recordPath = (id: string) => path.join(stateDir(), `${id}.json`);

/**
 * The on-disk list of running stacks and what each started. A stack writes its record before it
 * starts anything and updates it as it goes, so whatever a killed harness leaves behind can be found.
 */
export const stackRegistry = {
  async write(record: StackRecord): Promise<void> {
    await fs.mkdir(stateDir(), { recursive: true });
    const file = recordPath(record.id);
    // A unique temporary name per write: concurrent writers each rename a whole file, the last one wins.
    const temporary = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    await fs.writeFile(temporary, JSON.stringify(record, null, 2));
    await fs.rename(temporary, file);
  },

  async remove(id: string): Promise<void> {
    await fs.rm(recordPath(id), { force: true });
  },

  async list(): Promise<StackRecord[]> {
    let names: string[];
    try {
      names = await fs.readdir(stateDir());
    } catch {
      return [];
    }
    const records: StackRecord[] = [];
    for (const name of names.filter((n) => n.endsWith('.json'))) {
      try {
        records.push(JSON.parse(await fs.readFile(path.join(stateDir(), name), 'utf8')) as StackRecord);
      } catch {
        // A record half-written by a killed process: its .tmp twin never got renamed; ignore it.
      }
    }
    return records;
  },

  /** Stacks whose owning harness process is alive. */
  async running(): Promise<StackRecord[]> {
    const records = await this.list();
    const alive = await Promise.all(records.map((r) => isSameProcess(r.owner.pid, r.owner.startTime)));
    return records.filter((_, i) => alive[i]);
  },

  /** Stacks whose owner died without tearing them down. */
  async leftovers(): Promise<StackRecord[]> {
    const records = await this.list();
    const alive = await Promise.all(records.map((r) => isSameProcess(r.owner.pid, r.owner.startTime)));
    return records.filter((_, i) => !alive[i]);
  },
};

/** Stops one tracked process if it is still the one we started: graceful first, killed after `graceMs`. */
export async function stopTracked(tracked: TrackedProcess, graceMs = 10_000): Promise<boolean> {
  if (!(await isSameProcess(tracked.pid, tracked.startTime))) return false;
  // A server frozen by a hang fault hears no signal until it runs again (its backends too).
  if (tracked.kind === 'postgres') await signalTree(tracked.pid, 'SIGCONT');
  try {
    process.kill(tracked.pid, tracked.kind === 'postgres' ? 'SIGINT' : 'SIGTERM');
  } catch {
    return false;
  }
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!(await isSameProcess(tracked.pid, tracked.startTime))) return true;
    await sleep(50);
  }
  try {
    process.kill(tracked.pid, 'SIGKILL');
  } catch {
    // Exited between the check and the kill.
  }
  return true;
}

export interface CleanupReport {
  stack: string;
  stopped: string[];
  removed: string[];
}

/**
 * Stops every process a dead harness left and removes its files: backend replicas first (they hold
 * connections through the proxy), then the other services, then PostgreSQL; each group in parallel.
 */
export async function cleanupLeftover(record: StackRecord): Promise<CleanupReport> {
  const stopped: string[] = [];
  const groups = [
    record.processes.filter((p) => p.kind === 'node' && p.name.startsWith('chat-backend')),
    record.processes.filter(
      (p) => p.kind === 'companion' || (p.kind === 'node' && !p.name.startsWith('chat-backend')),
    ),
    record.processes.filter((p) => p.kind === 'postgres'),
  ];
  for (const group of groups) {
    const results = await Promise.all(group.map((tracked) => stopTracked(tracked)));
    group.forEach((tracked, i) => {
      if (results[i]) stopped.push(`${tracked.name} (pid ${tracked.pid})`);
    });
  }
  const removed: string[] = [];
  // A container outlives its killed `docker run` client: remove the stack's containers by label.
  if (record.kind === 'containers') {
    const count = await removeLabelled(record.id).catch(() => 0);
    if (count > 0) removed.push(`${count} container(s) labelled ${record.id}`);
  }
  // The testcontainers stack's, through the engine's API (as it made them), its network too.
  if (record.kind === 'testcontainers') {
    // Loaded here: the registry is read by every CLI start (`gameday status` too), and testcontainers
    // brings gRPC, dockerode and archivers with it.
    const count = await import('../testcontainers/docker-engine.ts')
      .then(({ dockerEngine }) => dockerEngine())
      .then(async (client) =>
        (await import('../testcontainers/labelled-resources.ts')).removeLabelledResources(client, record.id),
      )
      .catch(() => 0);
    if (count > 0) removed.push(`${count} container(s) and network labelled ${record.id}`);
  }
  try {
    await fs.access(record.root);
    await fs.rm(record.root, { recursive: true, force: true });
    removed.push(record.root);
  } catch {
    // Already gone.
  }
  await stackRegistry.remove(record.id);
  return { stack: record.id, stopped, removed };
}

/** Finds and cleans every leftover stack; returns what it did (empty when there was nothing). */
export async function cleanupLeftovers(): Promise<CleanupReport[]> {
  const reports: CleanupReport[] = [];
  for (const record of await stackRegistry.leftovers()) reports.push(await cleanupLeftover(record));
  return reports;
}
