import { type IntervalHistogram, monitorEventLoopDelay } from 'node:perf_hooks';

/** How late this thread ran its timers: a stall here delays every scrape and the alert clock. */
export interface LoopDelay {
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

/** Measures this thread's event-loop delay from construction until `stop()`. */
export class LoopDelayMeter {
  private readonly histogram: IntervalHistogram = monitorEventLoopDelay({ resolution: 10 });

  constructor() {
    this.histogram.enable();
  }

  stop(): LoopDelay {
    this.histogram.disable();
    const ms = (ns: number) => Math.round(ns / 1e5) / 10;
    return {
      p50Ms: ms(this.histogram.percentile(50)),
      p99Ms: ms(this.histogram.percentile(99)),
      maxMs: ms(this.histogram.max),
    };
  }
}
