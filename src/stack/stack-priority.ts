import os from 'node:os';

/**
 * `GAMEDAY_STACK_NICENESS=N` (0–19) runs the embedded stack's processes N below the harness's CPU
 * priority. Measured on 2 cores during missing-index (`npm run bench -- desk-latency`,
 * bench/RESULTS.md): at 0 the people's `gameday status` took 36–44 s and `gameday abort` 45–49 s, the
 * harness exiting 50–56 s after it; at 10, status 11 s, abort 9 s, exit 13 s. So game-day mode, where
 * people type those commands, runs the stack at 10 unless told otherwise; auto mode, where nobody
 * does, keeps one priority for all (the measured TTDs and TTRs were taken so).
 */
const DEFAULT_NICENESS = 0;
const GAME_DAY_NICENESS = 10;

/** Game-day mode's default, for the stack this process starts; an explicit setting stands. */
export function preferTheDesk(env: NodeJS.ProcessEnv = process.env): void {
  if (env.GAMEDAY_STACK_NICENESS === undefined || env.GAMEDAY_STACK_NICENESS === '')
    env.GAMEDAY_STACK_NICENESS = String(GAME_DAY_NICENESS);
}

export function stackNiceness(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.GAMEDAY_STACK_NICENESS;
  if (raw === undefined || raw === '') return DEFAULT_NICENESS;
  const niceness = Number(raw);
  if (!Number.isInteger(niceness) || niceness < 0 || niceness > 19)
    throw new Error(
      `GAMEDAY_STACK_NICENESS=${raw} is not a niceness: give a whole number from 0 (the harness's own priority) to 19 (the lowest)`,
    );
  return niceness;
}

/**
 * Lowers a freshly started process to the stack's priority; the processes it forks later (each
 * PostgreSQL backend) inherit it. Lowering one's own child needs no privilege; where the platform
 * refuses anyway, the process keeps the harness's priority.
 */
export function lowerToStackPriority(pid: number, niceness = stackNiceness()): void {
  if (niceness === 0) return;
  try {
    os.setPriority(pid, Math.min(19, Math.max(os.getPriority(pid), os.getPriority() + niceness)));
  } catch {
    // refused (or already gone): the process runs at the harness's priority
  }
}
