import type { Acknowledged } from './ack-ledger.ts';
import { LoadGenerator, type TrafficOptions } from './load-generator.ts';
import { emit, serveHandlers } from './worker-rpc.ts';

/** The worker thread's side of WorkerTraffic: gameday's synthetic users, away from the measuring thread. */

const ACK_FLUSH_MS = 100;
let generator: LoadGenerator | undefined;
let acked: Acknowledged[] = [];
const flush = () => {
  if (acked.length === 0) return;
  emit('acknowledged', acked);
  acked = [];
};
const flusher = setInterval(flush, ACK_FLUSH_MS);

serveHandlers({
  async start(baseUrl: string, options: TrafficOptions) {
    generator = new LoadGenerator(baseUrl, options, (entry) => acked.push(entry));
    await generator.start();
  },
  /** Stops the users; every acknowledgement is sent before the answer, so the ledger is exact. */
  async stop() {
    await generator?.stop();
    clearInterval(flusher);
    flush();
    return generator?.totals();
  },
  totals: () => generator?.totals(),
});
