import { AckLedger, type Acknowledged, type LedgerCheck } from './ack-ledger.ts';
import type { TrafficOptions } from './load-generator.ts';
import type { LoadSource, TrafficTotals } from './load-source.ts';
import { WorkerRpc } from './worker-rpc.ts';

const TRAFFIC_WORKER = new URL('./traffic-worker.ts', import.meta.url);

const EMPTY: TrafficTotals = {
  ok: 0,
  clientErrors: 0,
  serverErrors: 0,
  networkErrors: 0,
  forbidden: 0,
  socketMessagesReceived: 0,
  sendRetries: 0,
};

/**
 * gameday's own steady traffic (LoadGenerator), run in a worker thread so the users and their sockets
 * never stall the scraper and the alert clock on this one. Every acknowledgement crosses back as it
 * comes and lands in the ledger here; the worker sends the last of them before it answers `stop`.
 */
export class WorkerTraffic implements LoadSource {
  private readonly ledger = new AckLedger();
  private worker: WorkerRpc | undefined;
  private last: TrafficTotals = EMPTY;

  constructor(
    private readonly baseUrl: string,
    private readonly options: TrafficOptions,
    /** Superuser URL of whichever server is the primary now, where acknowledged messages are looked up. */
    private readonly databaseUrl: () => string,
  ) {}

  describe(): string {
    return `${this.options.users} users, ${this.options.sockets} sockets through ${this.baseUrl}`;
  }

  async start(): Promise<void> {
    const worker = WorkerRpc.start(TRAFFIC_WORKER);
    this.worker = worker;
    worker.on('acknowledged', (entries) => {
      for (const entry of entries as Acknowledged[]) this.ledger.record(entry);
    });
    await worker.call('start', this.baseUrl, this.options);
  }

  async stop(): Promise<void> {
    const worker = this.worker;
    if (!worker) return;
    try {
      this.last = (await worker.call<TrafficTotals | undefined>('stop')) ?? this.last;
    } finally {
      await worker.terminate();
      // The next scenario's traffic starts on a thread booted now, between scenarios.
      WorkerRpc.prewarm(TRAFFIC_WORKER);
    }
  }

  totals(): TrafficTotals {
    return this.last;
  }

  acknowledged(): string[] {
    return this.ledger.all().map((entry) => entry.messageId);
  }

  checkAcknowledged(): Promise<LedgerCheck> {
    return this.ledger.check(this.databaseUrl());
  }
}
