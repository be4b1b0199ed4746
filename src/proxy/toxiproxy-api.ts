import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApiError, type ProxyJson, ToxicProxy } from './toxic-proxy.ts';

/** What /version reports: Toxiproxy's API level, marked as ours. */
export const API_VERSION = '2.12.0+gameday';

export interface FaultProxyServer {
  url: string;
  port: number;
  proxies: Map<string, ToxicProxy>;
  close(): Promise<void>;
}

interface ProxyInput {
  name?: unknown;
  listen?: unknown;
  upstream?: unknown;
  enabled?: unknown;
}

/**
 * A TCP fault proxy with Toxiproxy's HTTP API (routes, status codes, error bodies and toxic semantics
 * of Shopify/toxiproxy 2.x), so toxiproxy-node-client drives it and the real Toxiproxy can replace it.
 * Deliberate differences: /populate answers `"proxies": []` where Toxiproxy would say null, and
 * bandwidth rate 0 / slicer average_size 0 are guarded instead of stalling or crashing.
 */
export async function startFaultProxy(
  options: { host?: string; port?: number } = {},
): Promise<FaultProxyServer> {
  const proxies = new Map<string, ToxicProxy>();

  const getProxy = (name: string): ToxicProxy => {
    const proxy = proxies.get(name);
    if (!proxy) throw new ApiError(404, 'proxy not found');
    return proxy;
  };

  const createProxy = async (input: ProxyInput): Promise<ToxicProxy> => {
    typedFields(input as Record<string, unknown>, 'Proxy', PROXY_FIELDS);
    if (!input.name) throw new ApiError(400, 'missing required field: name');
    if (!input.upstream) throw new ApiError(400, 'missing required field: upstream');
    const name = String(input.name);
    if (proxies.has(name)) throw new ApiError(409, 'proxy already exists');
    const proxy = new ToxicProxy(name, String(input.listen ?? ''), String(input.upstream));
    if (input.enabled !== false) await proxy.start();
    proxies.set(name, proxy);
    return proxy;
  };

  const routes: {
    method: string[];
    path: RegExp;
    handle: (params: string[], body: unknown) => Promise<[number, unknown?]>;
  }[] = [
    {
      method: ['POST'],
      path: /^\/reset$/,
      handle: async () => {
        for (const proxy of proxies.values()) {
          await proxy.start();
          proxy.removeAllToxics();
        }
        return [204];
      },
    },
    {
      method: ['GET'],
      path: /^\/proxies$/,
      handle: async () => [
        200,
        Object.fromEntries([...proxies.keys()].sort().map((name) => [name, proxies.get(name)!.toJSON()])),
      ],
    },
    {
      method: ['POST'],
      path: /^\/proxies$/,
      handle: async (_, body) => [201, (await createProxy(object(body))).toJSON()],
    },
    {
      method: ['POST'],
      path: /^\/populate$/,
      handle: async (_, body) => {
        if (!Array.isArray(body)) throw new ApiError(400, 'bad request body: expected an array of proxies');
        const inputs = body.map(object);
        inputs.forEach((input, i) => {
          if (!input.name) throw new ApiError(400, `missing required field: name at proxy ${i + 1}`);
          if (!input.upstream) throw new ApiError(400, `missing required field: upstream at proxy ${i + 1}`);
        });
        const result: ProxyJson[] = [];
        for (const input of inputs) {
          const existing = proxies.get(String(input.name));
          if (
            existing &&
            existing.listen === String(input.listen ?? '') &&
            existing.upstream === String(input.upstream)
          ) {
            result.push(existing.toJSON());
            continue;
          }
          if (existing) {
            await existing.stop();
            proxies.delete(existing.name);
          }
          result.push((await createProxy(input)).toJSON());
        }
        return [201, { proxies: result }];
      },
    },
    {
      method: ['GET'],
      path: /^\/proxies\/([^/]+)$/,
      handle: async ([name]) => [200, getProxy(name!).toJSON()],
    },
    {
      method: ['POST', 'PATCH'],
      path: /^\/proxies\/([^/]+)$/,
      handle: async ([name], body) => {
        const proxy = getProxy(name!);
        const input = object(body);
        typedFields(input, 'Proxy', PROXY_FIELDS);
        const listen = input.listen === undefined ? proxy.listen : String(input.listen);
        const upstream = input.upstream === undefined ? proxy.upstream : String(input.upstream);
        const enabled = input.enabled === undefined ? proxy.enabled : Boolean(input.enabled);
        if (listen !== proxy.listen || upstream !== proxy.upstream) {
          await proxy.stop();
          proxy.listen = listen;
          proxy.upstream = upstream;
        }
        if (enabled && !proxy.enabled) await proxy.start();
        if (!enabled && proxy.enabled) await proxy.stop();
        return [200, proxy.toJSON()];
      },
    },
    {
      method: ['DELETE'],
      path: /^\/proxies\/([^/]+)$/,
      handle: async ([name]) => {
        await getProxy(name!).stop();
        proxies.delete(name!);
        return [204];
      },
    },
    {
      method: ['GET'],
      path: /^\/proxies\/([^/]+)\/toxics$/,
      handle: async ([name]) => [200, getProxy(name!).toJSON().toxics],
    },
    {
      method: ['POST'],
      path: /^\/proxies\/([^/]+)\/toxics$/,
      handle: async ([name], body) => {
        const proxy = getProxy(name!);
        const input = object(body);
        typedFields(input, 'Toxic', { name: 'string', type: 'string', stream: 'string', toxicity: 'number' });
        const toxic = proxy.addToxic(input);
        return [200, proxy.toJSON().toxics.find((t) => t.name === toxic.name)];
      },
    },
    {
      method: ['GET'],
      path: /^\/proxies\/([^/]+)\/toxics\/([^/]+)$/,
      handle: async ([name, toxic]) => {
        const found = getProxy(name!)
          .toJSON()
          .toxics.find((t) => t.name === toxic);
        if (!found) throw new ApiError(404, 'toxic not found');
        return [200, found];
      },
    },
    {
      method: ['POST', 'PATCH'],
      path: /^\/proxies\/([^/]+)\/toxics\/([^/]+)$/,
      handle: async ([name, toxic], body) => {
        const proxy = getProxy(name!);
        proxy.updateToxic(toxic!, object(body) as { toxicity?: unknown; attributes?: unknown });
        return [200, proxy.toJSON().toxics.find((t) => t.name === toxic)];
      },
    },
    {
      method: ['DELETE'],
      path: /^\/proxies\/([^/]+)\/toxics\/([^/]+)$/,
      handle: async ([name, toxic]) => {
        getProxy(name!).removeToxic(toxic!);
        return [204];
      },
    },
  ];

  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', async () => {
      // A request line URL is not always a URL ('///%F3…'): then it is a path no route matches.
      const path = URL.canParse(request.url ?? '/', 'http://proxy')
        ? new URL(request.url ?? '/', 'http://proxy').pathname
        : (request.url ?? '/');
      const send = (status: number, body?: unknown) => {
        if (body === undefined || status === 204) {
          response.writeHead(status).end();
          return;
        }
        response.writeHead(status, { 'content-type': 'application/json' }).end(`${JSON.stringify(body)}\n`);
      };
      try {
        if (path === '/version' && request.method === 'GET') {
          response
            .writeHead(200, { 'content-type': 'application/json;charset=utf-8' })
            .end(`{"version": "${API_VERSION}"}\n`);
          return;
        }
        const route = routes.find((r) => r.method.includes(request.method ?? '') && r.path.test(path));
        if (!route) {
          response.writeHead(404, { 'content-type': 'text/plain' }).end('404 page not found\n');
          return;
        }
        const params = (route.path.exec(path) ?? []).slice(1).map(decodeURIComponent);
        const text = Buffer.concat(chunks).toString('utf8').trim();
        let body: unknown;
        try {
          body = text ? JSON.parse(text) : undefined;
        } catch (error) {
          throw new ApiError(400, `bad request body: ${(error as Error).message}`);
        }
        const [status, payload] = await route.handle(params, body);
        send(status, payload);
      } catch (error) {
        const status = error instanceof ApiError ? error.status : 500;
        send(status, { error: (error as Error).message, status });
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    port,
    proxies,
    close: async () => {
      for (const proxy of proxies.values()) await proxy.stop();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function object(body: unknown): ProxyInput & Record<string, unknown> {
  if (body === undefined) return {};
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ApiError(400, 'bad request body: expected a JSON object');
  }
  return body as ProxyInput & Record<string, unknown>;
}

/** JSON's names for what Go's decoder found, as its error messages say them. */
function jsonKind(value: unknown): string {
  if (Array.isArray(value)) return 'array';
  if (value === null) return 'null';
  if (typeof value === 'boolean') return 'bool';
  return typeof value === 'object' ? 'object' : typeof value;
}

/**
 * Toxiproxy decodes bodies into typed Go structs: a field of the wrong JSON type is a 400 there, not
 * a value to coerce (`"listen": false` must not become a proxy listening on "false"). null is allowed,
 * as Go leaves the field empty.
 */
export function typedFields(
  input: Record<string, unknown>,
  struct: string,
  types: Record<string, 'string' | 'boolean' | 'number'>,
): void {
  for (const [field, type] of Object.entries(types)) {
    const value = input[field];
    if (value === undefined || value === null || typeof value === type) continue;
    throw new ApiError(
      400,
      `bad request body: json: cannot unmarshal ${jsonKind(value)} into Go struct field ${struct}.${field} of type ${type === 'number' ? 'float32' : type === 'boolean' ? 'bool' : 'string'}`,
    );
  }
}

const PROXY_FIELDS = { name: 'string', listen: 'string', upstream: 'string', enabled: 'boolean' } as const;
