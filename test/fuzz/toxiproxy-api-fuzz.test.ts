import net from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpRequest } from '../../src/core/http-client.ts';
import { type FaultProxyServer, startFaultProxy } from '../../src/proxy/toxiproxy-api.ts';

/**
 * The fault proxy's Toxiproxy API under random, malformed and concurrent requests: every answer is one
 * Toxiproxy gives (2xx, or 400/404/409 with Toxiproxy's `{error, status}` body, 500 only when a proxy
 * cannot listen where it was told to), never a crash; and
 * a proxy nobody touched keeps forwarding bytes throughout.
 */
const RUNS = 300;
let api: FaultProxyServer;
let echo: net.Server;
let canaryListen: string;

beforeAll(async () => {
  echo = net.createServer((socket) => socket.pipe(socket));
  await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
  api = await startFaultProxy();
  const upstream = `127.0.0.1:${(echo.address() as net.AddressInfo).port}`;
  const created = await httpRequest<{ listen: string }>(`${api.url}/proxies`, {
    method: 'POST',
    body: { name: 'canary-untouched', listen: '127.0.0.1:0', upstream },
  });
  canaryListen = created.body.listen;
});
afterAll(async () => {
  await api?.close();
  echo?.close();
});

/** Sends bytes through the untouched proxy and reads them back from the echo server. */
async function canaryForwards(): Promise<boolean> {
  const [host, port] = canaryListen.split(':');
  return new Promise((resolve) => {
    const socket = net.connect(Number(port), host, () => socket.write('ping'));
    socket.setTimeout(5_000, () => {
      socket.destroy();
      resolve(false);
    });
    socket.on('data', (data) => {
      socket.destroy();
      resolve(data.toString() === 'ping');
    });
    socket.on('error', () => resolve(false));
  });
}

const name = fc.constantFrom('a', 'b', 'c', 'with space', '..', '%2F', '');
const toxicType = fc.constantFrom(
  'latency',
  'bandwidth',
  'slow_close',
  'timeout',
  'slicer',
  'limit_data',
  'reset_peer',
  'nope',
  '',
);
const value = fc.jsonValue({ maxDepth: 2 });
const proxyBody = fc.record(
  {
    name: fc.oneof(name, value),
    listen: fc.oneof(fc.constant('127.0.0.1:0'), value),
    upstream: fc.oneof(fc.constant('127.0.0.1:9'), value),
    enabled: fc.oneof(fc.boolean(), value),
  },
  { requiredKeys: [] },
);
const toxicBody = fc.record(
  {
    name: fc.oneof(name, value),
    type: fc.oneof(toxicType, value),
    stream: fc.oneof(fc.constantFrom('upstream', 'downstream', 'sideways'), value),
    toxicity: fc.oneof(fc.double({ min: -1, max: 2, noNaN: true }), value),
    attributes: fc.oneof(
      fc.dictionary(
        fc.constantFrom('latency', 'jitter', 'rate', 'delay', 'timeout', 'bytes', 'average_size'),
        fc.oneof(fc.integer({ min: -10, max: 10_000 }), value),
      ),
      value,
    ),
  },
  { requiredKeys: [] },
);
const request = fc.oneof(
  fc.record({ method: fc.constant('POST'), path: fc.constant('/proxies'), body: fc.oneof(proxyBody, value) }),
  fc.record({
    method: fc.constant('POST'),
    path: fc.constant('/populate'),
    body: fc.oneof(fc.array(proxyBody, { maxLength: 3 }), value),
  }),
  fc.record({
    method: fc.constantFrom('GET', 'POST', 'PATCH', 'DELETE'),
    path: name.map((n) => `/proxies/${encodeURIComponent(n)}`),
    body: fc.oneof(proxyBody, value),
  }),
  fc.record({
    method: fc.constantFrom('GET', 'POST'),
    path: name.map((n) => `/proxies/${encodeURIComponent(n)}/toxics`),
    body: fc.oneof(toxicBody, value),
  }),
  fc.record({
    method: fc.constantFrom('GET', 'POST', 'PATCH', 'DELETE'),
    path: fc
      .tuple(name, name)
      .map(([p, t]) => `/proxies/${encodeURIComponent(p)}/toxics/${encodeURIComponent(t)}`),
    body: fc.oneof(toxicBody, value),
  }),
  fc.record({
    method: fc.constantFrom('GET', 'POST', 'PUT'),
    path: fc.oneof(fc.constantFrom('/version', '/proxies', '/'), fc.webPath()),
    body: value,
  }),
  fc.record({
    method: fc.constant('POST'),
    path: fc.constant('/proxies'),
    body: fc.integer({ min: 100_000, max: 2_000_000 }).map((n) => 'x'.repeat(n)),
  }),
);

describe('the Toxiproxy API, fuzzed', () => {
  // Found by the property below, kept as cases: a request URL that is no URL crashed the handler (no
  // answer at all), and a non-string listen address became a proxy listening on "false".
  it('answers a request line that is not a URL with a 404, and keeps serving', async () => {
    const answer = await httpRequest(`${api.url}///%F3%BA%9A%9C///k`, { timeoutMs: 5_000 });
    expect(answer.status).toBe(404);
    expect((await httpRequest(`${api.url}/version`)).status).toBe(200);
  });

  it('refuses a field of the wrong JSON type with 400, as Toxiproxy decodes into typed fields', async () => {
    const answer = await httpRequest(`${api.url}/proxies`, {
      method: 'POST',
      body: { name: 'typed', listen: false, upstream: '127.0.0.1:9' },
    });
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual({
      error: 'bad request body: json: cannot unmarshal bool into Go struct field Proxy.listen of type string',
      status: 400,
    });
  });

  it(`answers ${RUNS} batches of concurrent random requests as Toxiproxy would, and an untouched proxy keeps forwarding`, async () => {
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(fc.array(request, { minLength: 1, maxLength: 6 }), async (batch) => {
        await Promise.all(
          batch
            .filter(({ path }) => !path.includes('canary'))
            .map(async ({ method, path, body }) => {
              const answer = await httpRequest<unknown>(`${api.url}${path}`, {
                method,
                body: typeof body === 'string' ? Buffer.from(body) : body,
                timeoutMs: 10_000,
              });
              statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
              const shown = `${method} ${path} → ${answer.status} ${answer.raw.toString().slice(0, 200)}`;
              // Toxiproxy answers 500 only when a well-formed proxy cannot listen where it was told to.
              const listenFailed =
                answer.status === 500 && /^listen tcp/.test((answer.body as { error?: string }).error ?? '');
              expect([200, 201, 204, 400, 404, 405, 409].includes(answer.status) || listenFailed, shown).toBe(
                true,
              );
              // An unknown route: Go's router's own plain-text 404, as Toxiproxy answers it.
              const unrouted =
                answer.status === 404 && answer.raw.toString().startsWith('404 page not found');
              if (answer.status >= 400 && !unrouted) {
                expect(answer.body, shown).toEqual({ error: expect.any(String), status: answer.status });
              }
            }),
        );
      }),
      { numRuns: RUNS },
    );
    console.log(
      `toxiproxy api fuzz: ${RUNS} batches, answers ${JSON.stringify(Object.fromEntries(statuses))}`,
    );
    expect(await canaryForwards()).toBe(true);
  }, 180_000);
});
