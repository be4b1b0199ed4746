import { AbortedError, abortReason } from './aborted.ts';
import type { Clock } from './clock.ts';
import { formatMs } from './format.ts';

/** A step against the system under test did not finish in time: it is abandoned, not awaited. */
export class StepTimeoutError extends Error {
  constructor(
    readonly what: string,
    readonly deadlineMs: number,
  ) {
    super(`${what}: no answer within ${formatMs(deadlineMs)}; abandoned`);
    this.name = 'StepTimeoutError';
  }
}

export interface DeadlineOptions {
  /** Said in the timeout error: the step that hung. */
  what: string;
  ms: number;
  clock: Clock;
  /** Aborting it abandons the step at once (AbortedError). */
  signal?: AbortSignal;
}

/**
 * Runs one step with a client-side deadline: whichever comes first of the step's end, the deadline
 * (StepTimeoutError) or the abort (AbortedError). A hung step (a query to a frozen database) keeps
 * running in the background, its outcome ignored, so nobody waits on it forever.
 */
export async function withinDeadline<T>(work: () => Promise<T>, options: DeadlineOptions): Promise<T> {
  const { what, ms, clock, signal } = options;
  if (signal?.aborted) throw new AbortedError(abortReason(signal));
  const stopTimer = new AbortController();
  const step = work();
  // Abandoned steps may still fail later: that must not become an unhandled rejection.
  step.catch(() => undefined);
  const expired = clock.sleep(ms, stopTimer.signal).then(
    () => Promise.reject(new StepTimeoutError(what, ms)),
    () => new Promise<never>(() => undefined),
  );
  const aborted = new Promise<never>((_, reject) => {
    if (!signal) return;
    const onAbort = () => reject(new AbortedError(abortReason(signal)));
    signal.addEventListener('abort', onAbort, { once: true });
    stopTimer.signal.addEventListener('abort', () => signal.removeEventListener('abort', onAbort), {
      once: true,
    });
  });
  try {
    return await Promise.race([step, expired, aborted]);
  } finally {
    stopTimer.abort();
  }
}
