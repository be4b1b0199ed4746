import type net from 'node:net';
import { type Attributes, type Chunk, type Stage, TOXIC_TYPES } from './toxic-types.ts';

/** The toxic as the API shows it. */
export interface ToxicDefinition {
  name: string;
  type: string;
  stream: 'upstream' | 'downstream';
  toxicity: number;
  attributes: Attributes;
  /** Insertion order: toxics apply in the order they were added. */
  order: number;
}

interface StageSlot {
  definition: ToxicDefinition;
  stage: Stage;
  /** Rolled against toxicity when the toxic (re)starts on this link. */
  active: boolean;
  abort: AbortController;
  state: Record<string, number>;
}

const MAX_QUEUED_BYTES = 1024 * 1024;

/**
 * One direction of one proxied connection: bytes read from `source` pass through the toxics on this
 * direction, in order, and are written to `destination`. Toxics can be added, updated and removed
 * while data flows; each chunk keeps the time it was read, so delays do not pile up.
 */
export class Link {
  private slots: StageSlot[] = [];
  private readonly queue: (Chunk | null)[] = [];
  private queuedBytes = 0;
  private wake: (() => void) | undefined;
  private closed = false;
  /** True while the pump is passing a chunk or the end through the toxics. */
  private busy = false;

  constructor(
    private readonly source: net.Socket,
    private readonly destination: net.Socket,
    initial: ToxicDefinition[],
    private readonly closeConnection: (how: 'fin' | 'rst') => void,
  ) {
    for (const definition of initial) this.slots.push(this.createSlot(definition, {}, true));
    source.on('data', (data: Buffer) => {
      // Fast path: no toxic on this direction and nothing in flight, so order is kept by writing now.
      if (this.slots.length === 0 && this.queue.length === 0 && !this.busy && !this.closed) {
        if (!this.destination.destroyed && !this.destination.write(data)) {
          source.pause();
          this.destination.once('drain', () => source.resume());
        }
        return;
      }
      this.queue.push({ data, readAt: performance.now() });
      this.queuedBytes += data.length;
      if (this.queuedBytes > MAX_QUEUED_BYTES) source.pause();
      this.wake?.();
    });
    source.on('end', () => {
      this.queue.push(null);
      this.wake?.();
    });
    void this.pump();
  }

  /** Brings this link's toxics in line with the proxy's list (added, updated, removed). */
  sync(definitions: ToxicDefinition[]): void {
    const next: StageSlot[] = [];
    for (const definition of definitions) {
      const existing = this.slots.find((slot) => slot.definition.name === definition.name);
      if (existing && existing.definition === definition) {
        next.push(existing);
        continue;
      }
      if (existing) this.retire(existing);
      next.push(this.createSlot(definition, existing?.state ?? {}, false));
    }
    for (const slot of this.slots) {
      if (!definitions.some((d) => d.name === slot.definition.name)) {
        this.retire(slot);
        slot.stage.onRemove?.();
      }
    }
    this.slots = next;
  }

  close(): void {
    this.closed = true;
    for (const slot of this.slots) this.retire(slot);
    this.wake?.();
  }

  private createSlot(
    definition: ToxicDefinition,
    state: Record<string, number>,
    presentAtConnect: boolean,
  ): StageSlot {
    const abort = new AbortController();
    const type = TOXIC_TYPES[definition.type]!;
    const stage = type.create(
      definition.attributes,
      { signal: abort.signal, closeConnection: this.closeConnection, presentAtConnect },
      state,
    );
    return { definition, stage, active: Math.random() < definition.toxicity, abort, state };
  }

  private retire(slot: StageSlot): void {
    slot.abort.abort();
    slot.stage.dispose?.();
  }

  /** The first active stage after `order`, among the toxics on the link now. */
  private nextSlot(afterOrder: number): StageSlot | undefined {
    return this.slots
      .filter((slot) => slot.active && slot.definition.order > afterOrder)
      .sort((a, b) => a.definition.order - b.definition.order)[0];
  }

  private pass(chunk: Chunk, afterOrder: number): Promise<void> {
    if (this.closed) return Promise.resolve();
    const slot = this.nextSlot(afterOrder);
    if (!slot) return this.write(chunk.data);
    return slot.stage.onChunk(chunk, (out) => this.pass(out, slot.definition.order));
  }

  private passEnd(afterOrder: number): Promise<void> {
    if (this.closed) return Promise.resolve();
    const slot = this.nextSlot(afterOrder);
    if (!slot) {
      // Toxiproxy closes the destination fully when a direction ends; the other direction follows.
      this.closeConnection('fin');
      return Promise.resolve();
    }
    const next = () => this.passEnd(slot.definition.order);
    return slot.stage.onEnd ? slot.stage.onEnd(next) : next();
  }

  private write(data: Buffer): Promise<void> {
    if (this.destination.destroyed || data.length === 0) return Promise.resolve();
    return new Promise((resolve) => {
      if (this.destination.write(data)) resolve();
      else this.destination.once('drain', resolve).once('close', resolve);
    });
  }

  private async pump(): Promise<void> {
    while (!this.closed) {
      const item = this.queue.shift();
      if (item === undefined) {
        await new Promise<void>((resolve) => {
          this.wake = resolve;
        });
        this.wake = undefined;
        continue;
      }
      this.busy = true;
      if (item === null) {
        await this.passEnd(-1);
        return;
      }
      this.queuedBytes -= item.data.length;
      if (this.queuedBytes <= MAX_QUEUED_BYTES / 2 && this.source.isPaused()) this.source.resume();
      try {
        await this.pass(item, -1);
      } catch {
        this.closeConnection('fin');
        return;
      } finally {
        this.busy = false;
      }
    }
  }
}
