import { Toxiproxy } from 'toxiproxy-node-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpRequest } from '../../src/core/http-client.ts';
import { API_VERSION, type FaultProxyServer, startFaultProxy } from '../../src/proxy/toxiproxy-api.ts';

/**
 * Conformance with Toxiproxy's HTTP API, driven by toxiproxy-node-client (as users' code would) and,
 * where the client hides status codes and bodies, by raw HTTP.
 */
let server: FaultProxyServer;
let client: Toxiproxy;
beforeAll(async () => {
  server = await startFaultProxy();
  client = new Toxiproxy(server.url);
});
afterAll(() => server?.close());

const raw = (method: string, path: string, body?: unknown) =>
  httpRequest<Record<string, unknown>>(`${server.url}${path}`, { method, body });

describe('proxies', () => {
  it('creates a proxy on an ephemeral port and reports the bound address', async () => {
    const proxy = await client.createProxy({
      name: 'created',
      listen: 'localhost:0',
      upstream: 'localhost:6379',
    });
    expect(proxy.name).toBe('created');
    expect(proxy.listen).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(proxy.listen).not.toBe('127.0.0.1:0');
    expect(proxy.enabled).toBe(true);
    const fetched = await client.get('created');
    expect(fetched.listen).toBe(proxy.listen);
    expect((await raw('GET', '/proxies/created')).body).toEqual({
      name: 'created',
      listen: proxy.listen,
      upstream: 'localhost:6379',
      enabled: true,
      toxics: [],
    });
  });

  it('answers 201 on create, 409 for a duplicate and 400 for missing fields, with Toxiproxy error bodies', async () => {
    const first = await raw('POST', '/proxies', {
      name: 'dup',
      listen: '127.0.0.1:0',
      upstream: 'localhost:1',
    });
    expect(first.status).toBe(201);
    await expect(
      client.createProxy({ name: 'dup', listen: '127.0.0.1:0', upstream: 'localhost:1' }),
    ).rejects.toThrow('Request failed with status code 409');
    const conflict = await raw('POST', '/proxies', { name: 'dup', listen: '127.0.0.1:0', upstream: 'x:1' });
    expect(conflict.body).toEqual({ error: 'proxy already exists', status: 409 });
    expect((await raw('POST', '/proxies', { listen: '127.0.0.1:0', upstream: 'x:1' })).body).toEqual({
      error: 'missing required field: name',
      status: 400,
    });
    expect((await raw('POST', '/proxies', { name: 'no-upstream' })).body).toEqual({
      error: 'missing required field: upstream',
      status: 400,
    });
    expect((await raw('GET', '/proxies/missing')).body).toEqual({ error: 'proxy not found', status: 404 });
  });

  it('answers 500 when the listen port is taken', async () => {
    const taken = await client.createProxy({ name: 'holder', listen: '127.0.0.1:0', upstream: 'x:1' });
    const response = await raw('POST', '/proxies', { name: 'clash', listen: taken.listen, upstream: 'x:1' });
    expect(response.status).toBe(500);
    expect(response.body.error).toBe(`listen tcp ${taken.listen}: bind: address already in use`);
  });

  it('disables and re-enables on the same port, and accepts an unresolvable upstream', async () => {
    const proxy = await client.createProxy({
      name: 'toggle',
      listen: 'localhost:0',
      upstream: 'localhost:6379',
    });
    const disabled = await proxy.update({ enabled: false, listen: proxy.listen, upstream: proxy.upstream });
    expect(disabled.enabled).toBe(false);
    const enabled = await proxy.update({ enabled: true, listen: proxy.listen, upstream: 'somehost:12345' });
    expect(enabled.enabled).toBe(true);
    expect(enabled.listen).toBe(proxy.listen);
    expect(enabled.upstream).toBe('somehost:12345');
    // PATCH is accepted as well as POST.
    const patched = await raw('PATCH', '/proxies/toggle', { enabled: false });
    expect(patched.status).toBe(200);
    expect(patched.body.enabled).toBe(false);
  });

  it('lists proxies keyed by name and deletes with 204', async () => {
    await client.createProxy({ name: 'to-delete', listen: '127.0.0.1:0', upstream: 'x:1' });
    const all = await client.getAll();
    expect(Object.keys(all)).toContain('to-delete');
    const deleted = await raw('DELETE', '/proxies/to-delete');
    expect(deleted.status).toBe(204);
    expect(deleted.raw.length).toBe(0);
    await expect(client.get('to-delete')).rejects.toThrow('Request failed with status code 404');
  });

  it('populates: creates, keeps identical proxies (and their toxics), replaces changed ones', async () => {
    const created = await client.populate([
      { name: 'pop-a', listen: '127.0.0.1:0', upstream: 'x:1' },
      { name: 'pop-b', listen: '127.0.0.1:0', upstream: 'x:2' },
    ]);
    const listenA = created['pop-a']!.listen;
    await created['pop-a']!.addToxic({ type: 'latency', attributes: { latency: 10, jitter: 0 } } as never);
    const again = await raw('POST', '/populate', [
      { name: 'pop-a', listen: listenA, upstream: 'x:1' },
      { name: 'pop-b', listen: '127.0.0.1:0', upstream: 'x:3' },
    ]);
    expect(again.status).toBe(201);
    const [a, b] = again.body.proxies as { name: string; toxics: unknown[]; upstream: string }[];
    expect(a).toMatchObject({ name: 'pop-a', toxics: [{ name: 'latency_downstream' }] });
    expect(b).toMatchObject({ name: 'pop-b', upstream: 'x:3', toxics: [] });
    expect((await raw('POST', '/populate', [])).body).toEqual({ proxies: [] });
    expect((await raw('POST', '/populate', [{ name: 'bad' }])).body).toEqual({
      error: 'missing required field: upstream at proxy 1',
      status: 400,
    });
  });

  it('reports its version in Toxiproxy format', async () => {
    expect(await client.getVersion()).toBe(`{"version": "${API_VERSION}"}\n`);
  });
});

describe('toxics', () => {
  it('adds a toxic with Toxiproxy defaults (name, stream, toxicity) and answers 200', async () => {
    const proxy = await client.createProxy({
      name: 'toxic-defaults',
      listen: '127.0.0.1:0',
      upstream: 'x:1',
    });
    const response = await raw('POST', '/proxies/toxic-defaults/toxics', {
      type: 'latency',
      attributes: { latency: 1000, jitter: 100 },
    });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      attributes: { latency: 1000, jitter: 100 },
      name: 'latency_downstream',
      type: 'latency',
      stream: 'downstream',
      toxicity: 1,
    });
    const toxic = await proxy.getToxic('latency_downstream');
    expect(toxic.toxicity).toBe(1);
    await expect(proxy.addToxic({ type: 'latency', attributes: { latency: 1 } } as never)).rejects.toThrow(
      'Request failed with status code 409',
    );
  });

  it('merges updates, removes with 204, and rejects bad types and streams', async () => {
    const proxy = await client.createProxy({ name: 'toxic-update', listen: '127.0.0.1:0', upstream: 'x:1' });
    const toxic = await proxy.addToxic({
      name: 'slow',
      type: 'latency',
      stream: 'upstream',
      toxicity: 0.5,
      attributes: { latency: 100, jitter: 10 },
    } as never);
    const updated = await toxic.update({ attributes: { latency: 1000 } } as never);
    expect(updated.attributes).toEqual({ latency: 1000, jitter: 10 });
    expect(updated.toxicity).toBe(0.5);
    await toxic.remove();
    await expect(proxy.getToxic('slow')).rejects.toThrow('Request failed with status code 404');
    expect((await raw('POST', '/proxies/toxic-update/toxics', { type: 'melt' })).body).toEqual({
      error: 'invalid toxic type',
      status: 400,
    });
    // Names every JavaScript object inherits are not toxic types either (they once answered 500).
    for (const type of ['constructor', 'toString', '__proto__', 'hasOwnProperty'])
      expect((await raw('POST', '/proxies/toxic-update/toxics', { type })).body, type).toEqual({
        error: 'invalid toxic type',
        status: 400,
      });
    expect(
      (await raw('POST', '/proxies/toxic-update/toxics', { type: 'latency', stream: 'sideways' })).body,
    ).toEqual({
      error: 'stream was invalid, can be either upstream or downstream',
      status: 400,
    });
  });

  it('echoes the attributes of every toxic type, missing ones as 0', async () => {
    const proxy = await client.createProxy({ name: 'toxic-types', listen: '127.0.0.1:0', upstream: 'x:1' });
    const cases: [string, Record<string, number>][] = [
      ['latency', { latency: 5, jitter: 1 }],
      ['bandwidth', { rate: 100 }],
      ['slow_close', { delay: 10 }],
      ['timeout', { timeout: 10 }],
      ['slicer', { average_size: 10, size_variation: 2, delay: 5 }],
      ['reset_peer', { timeout: 10 }],
      ['limit_data', { bytes: 10 }],
    ];
    for (const [type, attributes] of cases) {
      const toxic = await proxy.addToxic({ name: type, type, attributes } as never);
      expect(toxic.attributes, type).toEqual(attributes);
    }
    const partial = await raw('POST', '/proxies/toxic-types/toxics', {
      name: 'partial',
      type: 'slicer',
      attributes: { delay: 3 },
    });
    expect(partial.body.attributes).toEqual({ average_size: 0, size_variation: 0, delay: 3 });
    const listed = await raw('GET', '/proxies/toxic-types/toxics');
    expect((listed.body as unknown as unknown[]).length).toBe(cases.length + 1);
  });

  it('lists upstream toxics before downstream ones; reset removes all toxics and re-enables proxies', async () => {
    const proxy = await client.createProxy({ name: 'toxic-reset', listen: '127.0.0.1:0', upstream: 'x:1' });
    await proxy.addToxic({
      name: 'd1',
      type: 'latency',
      stream: 'downstream',
      attributes: { latency: 1 },
    } as never);
    await proxy.addToxic({
      name: 'u1',
      type: 'latency',
      stream: 'upstream',
      attributes: { latency: 1 },
    } as never);
    const before = (await raw('GET', '/proxies/toxic-reset')).body as { toxics: { name: string }[] };
    expect(before.toxics.map((t) => t.name)).toEqual(['u1', 'd1']);
    await proxy.update({ enabled: false, listen: proxy.listen, upstream: proxy.upstream });
    const reset = await raw('POST', '/reset');
    expect(reset.status).toBe(204);
    const after = await client.get('toxic-reset');
    expect(after.enabled).toBe(true);
    expect(after.listen).toBe(proxy.listen);
    expect((await raw('GET', '/proxies/toxic-reset/toxics')).body).toEqual([]);
  });
});
