export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Sleeps, but wakes (resolves, not rejects) at once when the signal aborts: a stopped action's wait. */
export function sleepUntilAborted(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0 || signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

/**
 * Thrown by a `waitUntil` probe when waiting longer cannot help (the process waited for has exited):
 * ends the wait at once, where any other error from the probe is kept and the polling goes on.
 */
export class StopWaiting extends Error {}

export interface WaitOptions {
  timeoutMs: number;
  intervalMs?: number;
  /** Said in the timeout error: what was being waited for. */
  what: string;
}

/** Polls `probe` until it returns a value other than undefined/false, or throws after the timeout. */
export async function waitUntil<T>(
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  { timeoutMs, intervalMs = 50, what }: WaitOptions,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      if (error instanceof StopWaiting) throw error;
      lastError = error;
    }
    if (Date.now() >= deadline) {
      const cause = lastError instanceof Error ? `: last error: ${lastError.message}` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${cause}`);
    }
    await sleep(intervalMs);
  }
}
