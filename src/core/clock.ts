import { AbortedError, abortReason } from './aborted.ts';

/**
 * The run's one clock. Wall time is what it measures; `timeScale` compresses the runbook's durations
 * (alert windows, "sustained" periods, severity targets, claims) so a game day fits in CI: at scale 60
 * "5 minutes sustained" lasts 5 s. Real work (building an index, promoting a replica) is never scaled.
 * The engine reads time and sleeps only through this class, so its tests can swap in a fake one.
 */
export class Clock {
  private readonly origin = Date.now();

  constructor(readonly timeScale = 1) {
    if (!(timeScale > 0)) throw new RangeError('time scale must be > 0');
  }

  /** Wall-clock milliseconds since the epoch. */
  now(): number {
    return Date.now();
  }

  /** Milliseconds since this clock was made. */
  elapsed(): number {
    return this.now() - this.origin;
  }

  /** A runbook duration as wall time at this scale. */
  scaled(runbookMs: number): number {
    return runbookMs / this.timeScale;
  }

  /** A wall-time duration as runbook time ("what it means at runbook scale"). */
  atRunbookScale(wallMs: number): number {
    return wallMs * this.timeScale;
  }

  /** Sleeps, or rejects with AbortedError as soon as `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(new AbortedError(abortReason(signal)));
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        clearTimeout(timer);
        reject(new AbortedError(abortReason(signal!)));
      };
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}
