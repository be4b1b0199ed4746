/**
 * Toxiproxy's toxics, as a registry of types. Each type lists its attributes (every one defaults to 0,
 * as in Toxiproxy) and builds a stage: what one direction of one connection does to the data while the
 * toxic is on it. Semantics follow Shopify/toxiproxy's toxics/*.go (see src/proxy/README.md).
 */

export interface Chunk {
  data: Buffer;
  /** When the proxy read it (ms, performance.now()); latency counts from here. */
  readAt: number;
}

export type Emit = (chunk: Chunk) => Promise<void>;

export interface StageContext {
  /** Aborted when the toxic is removed or updated: held data must then move on at once. */
  signal: AbortSignal;
  /** Closes the whole connection (both directions): 'fin' gracefully, 'rst' with a TCP reset. */
  closeConnection(how: 'fin' | 'rst'): void;
  /** True when this toxic was on the link when the connection opened (so a reset is possible). */
  presentAtConnect: boolean;
}

export interface Stage {
  onChunk(chunk: Chunk, emit: Emit): Promise<void>;
  /** The source ended; `next` passes the end on. */
  onEnd?(next: () => Promise<void>): Promise<void>;
  /** Called when the toxic is removed from a live connection. */
  onRemove?(): void;
  /** Called when the stage is replaced or the connection ends. */
  dispose?(): void;
}

export type Attributes = Record<string, number>;

export interface ToxicType {
  attributes: readonly string[];
  /** `state` survives updates of the same toxic on the same link (limit_data's byte count). */
  create(attributes: Attributes, context: StageContext, state: Record<string, number>): Stage;
}

/** Sleeps, but wakes early when the signal aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0 || signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

const value = (attributes: Attributes, name: string) => Math.trunc(Number(attributes[name] ?? 0));

const latency: ToxicType = {
  attributes: ['latency', 'jitter'],
  create(attributes, { signal }) {
    const base = value(attributes, 'latency');
    const jitter = value(attributes, 'jitter');
    return {
      async onChunk(chunk, emit) {
        // Uniform over [latency - jitter, latency + jitter - 1] ms, as Toxiproxy draws it.
        const delay = jitter > 0 ? base + Math.floor(Math.random() * 2 * jitter) - jitter : base;
        await sleep(delay - (performance.now() - chunk.readAt), signal);
        await emit(chunk);
      },
    };
  },
};

const bandwidth: ToxicType = {
  attributes: ['rate'],
  create(attributes, { signal }) {
    const rate = value(attributes, 'rate'); // KB/s with 1 KB = 1000 bytes, i.e. bytes per ms
    // Milliseconds owed at the rate. As in Toxiproxy, a sleep that overran is credited to the next
    // bytes (the debt goes negative) so that late timers on a busy machine do not lower the rate.
    let debt = 0;
    const pace = async (bytes: number) => {
      const started = performance.now();
      debt += bytes / rate;
      if (debt > 0) await sleep(debt, signal);
      debt -= performance.now() - started;
    };
    return {
      async onChunk(chunk, emit) {
        if (rate <= 0) {
          // Toxiproxy holds the data until the toxic changes; so do we.
          while (!signal.aborted) await sleep(100, signal);
          await emit(chunk);
          return;
        }
        let data = chunk.data;
        // Large chunks go out as rate*100-byte slices, one every 100 ms.
        while (data.length > rate * 100 && !signal.aborted) {
          await pace(rate * 100);
          await emit({ data: data.subarray(0, rate * 100), readAt: chunk.readAt });
          data = data.subarray(rate * 100);
        }
        await pace(data.length);
        await emit({ data, readAt: chunk.readAt });
      },
    };
  },
};

const slowClose: ToxicType = {
  attributes: ['delay'],
  create(attributes, { signal }) {
    return {
      onChunk: (chunk, emit) => emit(chunk),
      async onEnd(next) {
        await sleep(value(attributes, 'delay'), signal);
        await next();
      },
    };
  },
};

const timeout: ToxicType = {
  attributes: ['timeout'],
  create(attributes, { closeConnection }) {
    const ms = value(attributes, 'timeout');
    let timer: NodeJS.Timeout | undefined;
    const arm = () => {
      clearTimeout(timer);
      if (ms > 0) timer = setTimeout(() => closeConnection('fin'), ms);
    };
    arm();
    return {
      // Data is dropped, not held: after the toxic goes the stream could never be whole again.
      async onChunk() {
        arm();
      },
      async onEnd() {
        closeConnection('fin');
      },
      // Removing a timeout closes the connections it touched (Toxiproxy PR #168).
      onRemove: () => closeConnection('fin'),
      dispose: () => clearTimeout(timer),
    };
  },
};

const resetPeer: ToxicType = {
  attributes: ['timeout'],
  create(attributes, { closeConnection, presentAtConnect }) {
    let triggered = false;
    let timer: NodeJS.Timeout | undefined;
    const trigger = () => {
      if (triggered) return;
      triggered = true;
      timer = setTimeout(
        () => closeConnection(presentAtConnect ? 'rst' : 'fin'),
        value(attributes, 'timeout'),
      );
    };
    return {
      // The first data (or end) in this direction is swallowed and starts the countdown to the reset.
      async onChunk() {
        trigger();
      },
      async onEnd() {
        trigger();
      },
      dispose: () => clearTimeout(timer),
    };
  },
};

const slicer: ToxicType = {
  attributes: ['average_size', 'size_variation', 'delay'],
  create(attributes, { signal }) {
    // Toxiproxy recurses forever on average_size 0; one byte is the smallest useful slice.
    const average = Math.max(1, value(attributes, 'average_size'));
    const variation = Math.max(0, value(attributes, 'size_variation'));
    const delayMs = value(attributes, 'delay') / 1000; // microseconds
    const slices = (length: number): number[] => {
      if (length - average <= variation) return [length];
      const jitter = variation > 0 ? Math.floor(Math.random() * 2 * variation) - variation : 0;
      const mid = Math.max(1, Math.min(length - 1, Math.floor(length / 2) + jitter));
      return [...slices(mid), ...slices(length - mid)];
    };
    return {
      async onChunk(chunk, emit) {
        let offset = 0;
        for (const size of slices(chunk.data.length)) {
          await emit({ data: chunk.data.subarray(offset, offset + size), readAt: chunk.readAt });
          offset += size;
          await sleep(delayMs, signal);
        }
      },
    };
  },
};

const limitData: ToxicType = {
  attributes: ['bytes'],
  create(attributes, { closeConnection }, state) {
    const limit = value(attributes, 'bytes');
    state.sent ??= 0;
    return {
      async onChunk(chunk, emit) {
        const room = Math.max(0, limit - state.sent!);
        if (room > 0) {
          const data = chunk.data.subarray(0, room);
          state.sent! += data.length;
          await emit({ data, readAt: chunk.readAt });
        }
        if (state.sent! >= limit) closeConnection('fin');
      },
    };
  },
};

const noop: ToxicType = {
  attributes: [],
  create: () => ({ onChunk: (chunk, emit) => emit(chunk) }),
};

export const TOXIC_TYPES: Record<string, ToxicType> = {
  latency,
  bandwidth,
  slow_close: slowClose,
  timeout,
  reset_peer: resetPeer,
  slicer,
  limit_data: limitData,
  noop,
};
