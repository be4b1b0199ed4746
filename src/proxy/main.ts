/** Entry of the fault-proxy process: the Toxiproxy-compatible API on PORT (default 8474, as Toxiproxy). */
import { startFaultProxy } from './toxiproxy-api.ts';

const server = await startFaultProxy({
  host: process.env.HOST ?? '127.0.0.1',
  port: Number(process.env.PORT ?? 8474),
});
console.log(JSON.stringify({ msg: 'fault proxy listening', url: server.url }));
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void server.close().then(() => process.exit(0)));
}
