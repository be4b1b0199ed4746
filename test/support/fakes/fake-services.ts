import type { Clock } from '../../../src/core/clock.ts';
import { MetricStore } from '../../../src/detection/metric-store.ts';
import type { MetricsSource } from '../../../src/detection/metrics-source.ts';
import type { Sample } from '../../../src/detection/prometheus-text.ts';
import type { ScenarioServices } from '../../../src/engine/scenario-run.ts';
import { localFaults } from '../../../src/faults/fault-backend.ts';
import type { LoadSource } from '../../../src/load/load-source.ts';
import type { FaultRecorder, LedgerEntry } from '../../../src/stack/fault-ledger.ts';

/** Samples `sample()` every `intervalMs` on the clock, as a scraper would. */
export class FakeMetrics implements MetricsSource {
  readonly store = new MetricStore(10 * 60_000, 2_000);
  private readonly stopping = new AbortController();
  private loop: Promise<void> | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly intervalMs: number,
    private readonly sample: () => Sample[],
  ) {}

  start(onSample: (at: number) => void): void {
    this.loop = (async () => {
      for (;;) {
        await this.clock.sleep(this.intervalMs, this.stopping.signal);
        const at = this.clock.now();
        this.store.add(this.sample(), at, { target: 'fake' });
        onSample(at);
      }
    })().catch(() => undefined);
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    await this.loop;
  }
}

/** Traffic that acknowledges a fixed number of messages and loses none. */
export class FakeLoad implements LoadSource {
  started = false;
  stopped = false;
  startError: Error | undefined;

  async start(): Promise<void> {
    if (this.startError) throw this.startError;
    this.started = true;
  }
  async stop(): Promise<void> {
    this.stopped = true;
  }
  describe(): string {
    return 'fake traffic';
  }
  totals() {
    return {
      ok: 100,
      clientErrors: 0,
      serverErrors: 0,
      networkErrors: 0,
      forbidden: 0,
      socketMessagesReceived: 0,
      sendRetries: 0,
    };
  }
  acknowledged(): string[] {
    return ['m1', 'm2'];
  }
  async checkAcknowledged() {
    return { acknowledged: 2, lost: [], duplicated: [] };
  }
}

/** The fault ledger in memory: what was registered and how each ended. */
export class MemoryLedger implements FaultRecorder {
  readonly entries: Pick<LedgerEntry, 'id' | 'description' | 'state' | 'error'>[] = [];

  async register(entry: Omit<LedgerEntry, 'id' | 'state' | 'registeredAt'>): Promise<number> {
    const id = this.entries.length + 1;
    this.entries.push({ id, description: entry.description, state: 'active' });
    return id;
  }

  async update(id: number, changes: { description?: string }): Promise<void> {
    const entry = this.entries.find((e) => e.id === id)!;
    if (changes.description) entry.description = changes.description;
  }

  async settle(id: number, state: 'reverted' | 'revert-failed', error?: string): Promise<void> {
    const entry = this.entries.find((e) => e.id === id)!;
    entry.state = state;
    if (error) entry.error = error;
  }

  active() {
    return this.entries.filter((entry) => entry.state !== 'reverted');
  }
}

/** Services over fakes: real fault kinds (on the fake stack), fake traffic, fake samples. */
export function fakeServices(
  clock: Clock,
  load: FakeLoad,
  sample: () => Sample[],
  intervalMs = 250,
): ScenarioServices {
  return {
    faults: localFaults,
    load: () => load,
    metrics: () => new FakeMetrics(clock, intervalMs, sample),
  };
}
