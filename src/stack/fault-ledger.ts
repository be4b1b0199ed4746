import fs from 'node:fs/promises';
import path from 'node:path';
import { processStartTime, stateDir } from './embedded/stack-registry.ts';

export interface LedgerEntry {
  id: number;
  scenario: string;
  kind: string;
  description: string;
  params: Record<string, unknown>;
  /** What the fault saved to undo itself (an index definition, the release it replaced). */
  recorded?: unknown;
  state: 'active' | 'reverted' | 'revert-failed' | 'removed-with-stack';
  error?: string;
  registeredAt: string;
  revertedAt?: string;
}

export interface LedgerFile {
  runId: string;
  owner: { pid: number; startTime: number };
  /** `config`: an external stack's config file, by which the next run on it finds what was left. */
  stack: { kind: string; id: string; config?: string };
  entries: LedgerEntry[];
}

/**
 * What a scenario needs of the ledger: a fault registered before its damage, completed with what it
 * learns later (an experiment's id), settled by its revert.
 */
export type FaultRecorder = Pick<FaultLedger, 'register' | 'update' | 'settle'>;

const ledgerDir = () => path.join(stateDir(), 'faults');

/** Where a fault keeps what it needs to undo itself (the rows a job deleted); its ledger entry names the file. */
export const savedDamageDir = () => path.join(stateDir(), 'damage');

/**
 * The faults a run has injected, on disk, written before each fault does any damage and updated when
 * it is reverted. If the harness dies mid-run, the next start (or `gameday cleanup`) reads it.
 */
export class FaultLedger {
  private entries: LedgerEntry[] = [];
  private writing: Promise<void> = Promise.resolve();

  private constructor(private readonly file: LedgerFile) {}

  static async open(runId: string, stack: LedgerFile['stack']): Promise<FaultLedger> {
    const ledger = new FaultLedger({
      runId,
      owner: { pid: process.pid, startTime: (await processStartTime(process.pid)) ?? 0 },
      stack,
      entries: [],
    });
    await ledger.save();
    return ledger;
  }

  async register(entry: Omit<LedgerEntry, 'id' | 'state' | 'registeredAt'>): Promise<number> {
    const id = this.entries.length + 1;
    this.entries.push({ ...entry, id, state: 'active', registeredAt: new Date().toISOString() });
    await this.save();
    return id;
  }

  /** Adds what a fault learned after it was registered (an experiment's id) to its entry. */
  async update(id: number, changes: Pick<Partial<LedgerEntry>, 'recorded' | 'description'>): Promise<void> {
    const entry = this.entries.find((e) => e.id === id);
    if (!entry) return;
    Object.assign(entry, changes);
    await this.save();
  }

  async settle(id: number, state: 'reverted' | 'revert-failed', error?: string): Promise<void> {
    const entry = this.entries.find((e) => e.id === id);
    if (!entry) return;
    entry.state = state;
    entry.error = error;
    entry.revertedAt = new Date().toISOString();
    await this.save();
  }

  active(): LedgerEntry[] {
    return this.entries.filter((entry) => entry.state !== 'reverted');
  }

  /** Removes the file once every fault is reverted. */
  async close(): Promise<void> {
    await this.writing;
    if (this.active().length === 0) await fs.rm(this.path(), { force: true });
  }

  private path(): string {
    return path.join(ledgerDir(), `${this.file.runId}.json`);
  }

  private save(): Promise<void> {
    const snapshot = JSON.stringify({ ...this.file, entries: this.entries }, null, 2);
    this.writing = this.writing.then(async () => {
      await fs.mkdir(ledgerDir(), { recursive: true });
      const temporary = `${this.path()}.${Math.random().toString(36).slice(2)}.tmp`;
      await fs.writeFile(temporary, snapshot);
      await fs.rename(temporary, this.path());
    });
    return this.writing;
  }
}

/** Ledgers left by runs whose harness is gone. */
export async function orphanedLedgers(): Promise<(LedgerFile & { path: string })[]> {
  let names: string[];
  try {
    names = (await fs.readdir(ledgerDir())).filter((name) => name.endsWith('.json'));
  } catch {
    return [];
  }
  const orphans: (LedgerFile & { path: string })[] = [];
  for (const name of names) {
    const file = path.join(ledgerDir(), name);
    try {
      const ledger = JSON.parse(await fs.readFile(file, 'utf8')) as LedgerFile;
      if ((await processStartTime(ledger.owner.pid)) !== ledger.owner.startTime)
        orphans.push({ ...ledger, path: file });
    } catch {
      // A torn write from a killed process is ignored; its .tmp twin never replaced the file.
    }
  }
  return orphans;
}

/**
 * Settles one entry of a killed run's ledger (a leftover FIS experiment stopped before anything else),
 * so what is done is not done twice and the rest is still listed.
 */
export async function settleLeftover(
  file: string,
  id: number,
  state: 'reverted' | 'revert-failed',
  error?: string,
): Promise<void> {
  const ledger = JSON.parse(await fs.readFile(file, 'utf8')) as LedgerFile;
  const entry = ledger.entries.find((e) => e.id === id);
  if (!entry) return;
  entry.state = state;
  entry.error = error;
  entry.revertedAt = new Date().toISOString();
  const temporary = `${file}.${Math.random().toString(36).slice(2)}.tmp`;
  await fs.writeFile(temporary, JSON.stringify(ledger, null, 2));
  await fs.rename(temporary, file);
}

/**
 * Deletes the files faults kept to undo themselves that no ledger names any more: the fault was
 * reverted, or its stack was removed and the damage with it (a killed run's cleanup). A file a ledger
 * still names stays: it may be what a person needs to revert by hand (an external stack). A fault
 * names its file in the ledger before it writes it, so a running harness's file is never taken.
 * Returns the files deleted.
 */
export async function removeUnneededSavedDamage(): Promise<string[]> {
  const ledgers = await fs.readdir(ledgerDir()).catch(() => [] as string[]);
  const named = (
    await Promise.all(
      ledgers
        .filter((name) => name.endsWith('.json'))
        .map((name) => fs.readFile(path.join(ledgerDir(), name), 'utf8').catch(() => '')),
    )
  ).join('\n');
  const files = await fs.readdir(savedDamageDir()).catch(() => [] as string[]);
  const removed: string[] = [];
  for (const name of files) {
    const file = path.join(savedDamageDir(), name);
    if (named.includes(JSON.stringify(file).slice(1, -1))) continue;
    await fs.rm(file, { force: true });
    removed.push(file);
  }
  return removed;
}
