import fs from 'node:fs/promises';
import { sleep } from '../core/wait.ts';

/**
 * The fields of /proc/PID/stat after the command name, counted from 0: state, ppid, … utime (11),
 * stime (12), … starttime (19); undefined once it is gone.
 */
export async function statOf(pid: number): Promise<string[] | undefined> {
  const stat = await fs.readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  // "pid (comm) state ppid …": comm may hold spaces and parentheses, so read after the last ")".
  return stat?.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** A process and every process below it (PostgreSQL's postmaster and its backends), from /proc. */
export async function processTree(root: number): Promise<number[]> {
  const parents = new Map<number, number[]>();
  for (const entry of await fs.readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const ppid = Number((await statOf(Number(entry)))?.[1]);
    if (!ppid) continue;
    parents.set(ppid, [...(parents.get(ppid) ?? []), Number(entry)]);
  }
  const tree: number[] = [];
  const visit = (pid: number) => {
    tree.push(pid);
    for (const child of parents.get(pid) ?? []) visit(child);
  };
  visit(root);
  return tree;
}

/** Sends a signal to a whole process tree; processes that are already gone are skipped. */
export async function signalTree(root: number, name: NodeJS.Signals): Promise<void> {
  for (const pid of await processTree(root)) signal(pid, name);
}

/** How long a WAL sender may take to send what the stopped sessions committed before it is stopped too. */
const SENDER_DRAIN_MS = 1_000;

/**
 * Stops a whole process tree, in the order that keeps a PostgreSQL hang honest. The root first, so
 * nothing forks while the tree is read (a session started during the read was missed, and ran on
 * unfrozen); then every process but the WAL senders, so no session answers any more; then the senders,
 * once each is idle: a session that reported a commit before it stopped has had that commit's WAL
 * sent to the replica. Stopped in /proc order, a sender could stop first and a session commit and
 * answer after it, a write acknowledged and then lost by the failover (seen in CI: database-hang).
 */
export async function freezeTree(root: number): Promise<void> {
  try {
    process.kill(root, 'SIGSTOP');
  } catch {
    return;
  }
  const [, ...rest] = await processTree(root);
  const senders: number[] = [];
  for (const pid of rest) {
    if (await isWalSender(pid)) senders.push(pid);
    else signal(pid, 'SIGSTOP');
  }
  const deadline = Date.now() + SENDER_DRAIN_MS;
  for (const pid of senders) {
    while (Date.now() < deadline && !(await idle(pid))) await sleep(5);
    signal(pid, 'SIGSTOP');
  }
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // Exited meanwhile.
  }
}

async function isWalSender(pid: number): Promise<boolean> {
  const title = await fs.readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  return title.includes('walsender');
}

/** Sleeping twice in a row, 5 ms apart: waiting for work (a sender that has sent all there was). */
async function idle(pid: number): Promise<boolean> {
  const state = async () => (await statOf(pid))?.[0] ?? 'gone';
  const first = await state();
  if (first === 'gone') return true;
  if (first !== 'S') return false;
  await sleep(5);
  const second = await state();
  return second === 'S' || second === 'gone';
}
