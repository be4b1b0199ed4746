/**
 * Entry of the fault-proxy process: the Toxiproxy-compatible API on PORT (default 8474, as Toxiproxy).
 * It takes Toxiproxy's own flags too (`-host=0.0.0.0 -port=8474 -config=proxies.json`), so it runs in
 * Toxiproxy's place in docker-compose.yml with the same command.
 */
import { readFile } from 'node:fs/promises';
import { startFaultProxy } from './toxiproxy-api.ts';

function flag(name: string): string | undefined {
  const args = process.argv.slice(2);
  for (const [i, arg] of args.entries()) {
    const match = /^--?([a-z]+)(?:=(.*))?$/.exec(arg);
    if (match?.[1] === name) return match[2] ?? args[i + 1];
  }
  return undefined;
}

const server = await startFaultProxy({
  host: flag('host') ?? process.env.HOST ?? '127.0.0.1',
  port: Number(flag('port') ?? process.env.PORT ?? 8474),
});
const config = flag('config');
if (config) {
  // Toxiproxy's -config file is the body of POST /populate: an array of {name, listen, upstream}.
  const response = await fetch(new URL('/populate', server.url), {
    method: 'POST',
    body: await readFile(config, 'utf8'),
  });
  if (!response.ok) {
    console.error(`${config}: ${response.status} ${await response.text()}`);
    process.exit(1);
  }
}
console.log(JSON.stringify({ msg: 'fault proxy listening', url: server.url }));
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void server.close().then(() => process.exit(0)));
}
