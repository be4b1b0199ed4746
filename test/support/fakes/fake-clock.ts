import { AbortedError, abortReason } from '../../../src/core/aborted.ts';
import { Clock } from '../../../src/core/clock.ts';

interface Timer {
  at: number;
  seq: number;
  resolve: () => void;
}

/**
 * A clock whose time moves only when everything waiting on it is asleep: each time the event loop has
 * nothing else to do (setImmediate), the earliest sleeper wakes and the time jumps to its wake-up.
 * A scenario of minutes runs in milliseconds, and the same inputs give the same times.
 */
export class FakeClock extends Clock {
  private time: number;
  private timers: Timer[] = [];
  private seq = 0;
  private scheduled = false;

  constructor(timeScale = 60, start = Date.UTC(2026, 10, 30, 12)) {
    super(timeScale);
    this.time = start;
  }

  override now(): number {
    return this.time;
  }

  override sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(new AbortedError(abortReason(signal)));
    return new Promise((resolve, reject) => {
      const timer: Timer = {
        at: this.time + Math.max(0, ms),
        seq: this.seq++,
        resolve: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      const onAbort = () => {
        this.timers = this.timers.filter((t) => t !== timer);
        reject(new AbortedError(abortReason(signal!)));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.timers.push(timer);
      this.wake();
    });
  }

  private wake(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
      const next = this.timers.shift();
      if (!next) return;
      this.time = Math.max(this.time, next.at);
      next.resolve();
      if (this.timers.length > 0) this.wake();
    });
  }
}
