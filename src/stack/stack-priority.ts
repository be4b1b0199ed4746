import os from 'node:os';

/**
 * `GAMEDAY_STACK_NICENESS=N` (0–19, default 0) runs the embedded stack's processes N below the
 * harness's CPU priority. Measured on 2 cores during missing-index (`npm run bench -- desk-latency`,
 * bench/RESULTS.md): at 10 the people's commands no longer wait 40 s at the worst moment (12 s at
 * most), but the saturation lasts longer and the revert, run by the niced database, is slower (the
 * harness exited 6.6–21.5 s after an abort against 1.5–1.9 s). A trade, so not the default.
 */
const DEFAULT_NICENESS = 0;

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
