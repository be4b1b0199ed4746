import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import type { GameDayResult } from '../../src/engine/result.ts';
import { MarkedRun } from './marked-run.ts';

const run = promisify(execFile);

/** Where in a scenario the harness is stopped: the timeline event that opens the phase. */
export const PHASES = {
  baseline: 'traffic-start',
  inject: 'fault-injecting',
  detect: 'fault-injected',
  remediate: 'remedy-step',
  recover: 'remedy-step-done',
  revert: 'fault-reverted',
} as const;
export type Phase = keyof typeof PHASES;

/** SIGKILL (then `gameday cleanup`), Ctrl-C, or the facilitator's abort (game-day mode). */
export type Stop = 'SIGKILL' | 'SIGINT' | 'abort';

export interface CrashCell {
  scenario: string;
  phase: Phase;
  stop: Stop;
  stack: 'embedded' | 'containers';
  /** 0–1: how far into the phase's first seconds the stop comes (the random moment). */
  moment: number;
}

export interface CellOutcome {
  cell: CrashCell;
  /** The phase was reached (a scenario that fails early never reaches its remedy). */
  reached: boolean;
  exitCode: number | null;
  /** From the stop to the harness's exit. */
  exitMs: number | null;
  /** What was left: processes, state files, containers, faults not reverted. Empty: clean. */
  left: string[];
}

/** Game-day mode has no remedy or recovery phase of the harness's own: people respond. */
export function applicable(cell: Pick<CrashCell, 'phase' | 'stop'>): boolean {
  return cell.stop !== 'abort' || ['baseline', 'inject', 'detect'].includes(cell.phase);
}

async function alive(pid: number): Promise<boolean> {
  try {
    process.kill(pid, 0);
    const stat = await fs.readFile(`/proc/${pid}/stat`, 'utf8');
    return !/\) Z /.test(stat);
  } catch {
    return false;
  }
}

/** The run's stacks as their records say: ids (container labels) and processes. */
async function stacksOf(stateDir: string): Promise<{ ids: string[]; pids: number[] }> {
  const names = await fs.readdir(stateDir).catch(() => [] as string[]);
  const found = { ids: [] as string[], pids: [] as number[] };
  for (const name of names.filter((n) => n.endsWith('.json'))) {
    const record = JSON.parse(await fs.readFile(path.join(stateDir, name), 'utf8').catch(() => '{}')) as {
      id?: string;
      processes?: { pid: number }[];
    };
    if (record.id) found.ids.push(record.id);
    found.pids.push(...(record.processes ?? []).map((p) => p.pid));
  }
  return found;
}

/**
 * One cell of the crash matrix: the scenario run, stopped at a moment in the phase, then (after a
 * SIGKILL) `gameday cleanup`; then everything that could be left is looked for.
 */
export async function runCell(cell: CrashCell): Promise<CellOutcome> {
  const started = await MarkedRun.start([
    'run',
    cell.scenario,
    '--stack',
    cell.stack,
    ...(cell.stop === 'abort' ? ['--mode', 'gameday', '--time-scale', '60'] : []),
  ]);
  const { child, exited, stateDir, reportDir } = started;
  const reached = await started.reached(`${cell.scenario} ${PHASES[cell.phase]}`);
  const left: string[] = [];
  let exitCode: number | null = null;
  let exitMs: number | null = null;
  try {
    if (reached) {
      // The moment: within the phase's first second and a half.
      await new Promise((resolve) => setTimeout(resolve, Math.round(cell.moment * 1_500)));
      const stacks = await stacksOf(stateDir);
      // A phase at the very end (revert) may be over, verdict printed, before the moment comes: then
      // the signal interrupts nothing and the run's own exit code stands.
      const over = started.stderr.includes(`] [1/1] ${cell.scenario}: `);
      const stopped = Date.now();
      if (cell.stop === 'abort') await started.command(['abort', 'crash matrix']);
      else child.kill(cell.stop);
      const ended = await Promise.race([
        exited.then(([code]) => ({ code })),
        new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 90_000)),
      ]);
      exitCode = ended?.code ?? null;
      exitMs = ended ? Date.now() - stopped : null;
      if (exitMs === null) left.push('the harness did not exit within 90 s');
      if (cell.stop === 'SIGKILL') await started.command(['cleanup']);
      else {
        if (exitCode !== 130 && !(over && exitCode === 0)) left.push(`exit ${exitCode}, not 130`);
        const report = JSON.parse(
          await fs
            .readFile(path.join(reportDir, 'latest', 'report.json'), 'utf8')
            .catch(() => '{"scenarios":[]}'),
        ) as GameDayResult;
        const scenario = report.scenarios[0];
        if (!scenario) left.push('no report written');
        else if (!scenario.faultsReverted)
          left.push(`faults not reverted: ${scenario.revertErrors.join('; ')}`);
        else if (scenario.lostMessages > 0) left.push(`${scenario.lostMessages} acknowledged messages lost`);
      }
      for (const pid of stacks.pids) if (await alive(pid)) left.push(`process ${pid} still running`);
      for (const id of cell.stack === 'containers' ? stacks.ids : []) {
        const { stdout } = await run('docker', ['ps', '-aq', '--filter', `label=io.gameday.stack=${id}`]);
        if (stdout.trim()) left.push(`containers of ${id}: ${stdout.trim().split('\n').length}`);
      }
    } else {
      [exitCode] = await exited;
    }
    const files = (await fs.readdir(stateDir, { recursive: true })).filter((name) =>
      String(name).endsWith('.json'),
    );
    if (files.length > 0) left.push(`state files: ${files.join(', ')}`);
  } finally {
    await started.dispose();
  }
  return { cell, reached, exitCode, exitMs, left };
}

/** A small deterministic generator, so a sampled cell can be replayed from its seed. */
export function seeded(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 4_294_967_296;
  };
}
