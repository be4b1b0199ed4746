import { sleep } from './wait.ts';

/**
 * The run's one clock. Wall time is what it measures; `timeScale` compresses the runbook's durations
 * (alert windows, "sustained" periods, severity targets, claims) so a game day fits in CI: at scale 60
 * "5 minutes sustained" lasts 5 s. Real work (building an index, promoting a replica) is never scaled.
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
    return Date.now() - this.origin;
  }

  /** A runbook duration as wall time at this scale. */
  scaled(runbookMs: number): number {
    return runbookMs / this.timeScale;
  }

  /** A wall-time duration as runbook time ("what it means at runbook scale"). */
  atRunbookScale(wallMs: number): number {
    return wallMs * this.timeScale;
  }

  sleep(ms: number): Promise<void> {
    return sleep(ms);
  }
}
