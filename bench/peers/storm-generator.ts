/**
 * gameday's connection storm as a generator process of its own, for storm-peers.ts: the same
 * StormClients the harness's storm worker runs, N clients opened at once from the given source
 * addresses, held until every one is connected plus --hold seconds, then closed.
 *
 *   node --import tsx bench/peers/storm-generator.ts --url http://127.0.0.1:PORT --n 5000 --ips 127.0.0.2-127.0.0.9
 */
import { parseArgs } from 'node:util';
import { StormClients } from '../../src/load/storm-clients.ts';

const { values } = parseArgs({
  options: {
    url: { type: 'string' },
    n: { type: 'string', default: '5000' },
    ips: { type: 'string', default: '127.0.0.2-127.0.0.9' },
    hold: { type: 'string', default: '10' },
    limit: { type: 'string', default: '120' },
  },
});
const [first, last] = values.ips!.split('-') as [string, string];
const [prefix, from] = [first.slice(0, first.lastIndexOf('.')), Number(first.split('.').pop())];
const to = Number(last.split('.').pop());
const sourceAddresses = Array.from({ length: to - from + 1 }, (_, i) => `${prefix}.${from + i}`);
const clients = Number(values.n);

const storm = new StormClients();
const started = performance.now();
storm.connect({ frontUrl: values.url!, clients, tokens: ['peer-bench'], sourceAddresses });
let allAfterMs: number | undefined;
while (performance.now() - started < Number(values.limit) * 1000) {
  if (storm.connected() === clients) {
    allAfterMs = performance.now() - started;
    break;
  }
  await new Promise((resolve) => setTimeout(resolve, 20));
}
await new Promise((resolve) => setTimeout(resolve, Number(values.hold) * 1000));
const connected = storm.connected();
storm.close();
console.log(JSON.stringify({ clients, connected, allAfterMs }));
process.exit(0);
