import { Pool } from 'undici';
import type { HttpResponse } from './http-client.ts';

export interface HttpPoolOptions {
  /** Sockets kept open to the origin. */
  connections: number;
  /** Source address to connect from (every 127.x address is this machine). */
  localAddress?: string;
}

export interface PoolRequest {
  method: string;
  /** Path and query, e.g. `/api/v1/me/conversations`. */
  path: string;
  /** Sent as JSON unless it is a Buffer. */
  body?: unknown;
  headers?: Record<string, string>;
  token?: string;
  timeoutMs?: number;
}

/**
 * Keep-alive requests to one origin over undici's Pool: the synthetic users' HTTP path. Measured with
 * `npm run bench -- http-peers`, node:http's client cost about three times the CPU per request, CPU the
 * stack under test shares on two cores. Network failures and timeouts reject; every status resolves.
 */
export class HttpPool {
  private readonly pool: Pool;

  constructor(origin: string, { connections, localAddress }: HttpPoolOptions) {
    this.pool = new Pool(origin, { connections, ...(localAddress ? { localAddress } : {}) });
  }

  async request<T = unknown>({
    method,
    path,
    body,
    headers = {},
    token,
    timeoutMs = 10_000,
  }: PoolRequest): Promise<HttpResponse<T>> {
    const sent: Record<string, string> = { ...headers };
    let payload: Buffer | undefined;
    if (body !== undefined) {
      payload = Buffer.isBuffer(body) ? body : Buffer.from(JSON.stringify(body));
      sent['content-type'] ??= Buffer.isBuffer(body) ? 'application/octet-stream' : 'application/json';
    }
    if (token) sent.authorization = `Bearer ${token}`;
    const response = await this.pool.request({
      method: method as 'GET',
      path,
      headers: sent,
      body: payload,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
    const raw = Buffer.from(await response.body.arrayBuffer());
    const isJson = String(response.headers['content-type'] ?? '').includes('json');
    let parsed: unknown = raw.toString('utf8');
    if (isJson && raw.length > 0) {
      try {
        parsed = JSON.parse(parsed as string);
      } catch {
        // Leave the text: a malformed body is the caller's evidence.
      }
    }
    return {
      status: response.statusCode,
      headers: response.headers as HttpResponse['headers'],
      body: parsed as T,
      raw,
    };
  }

  /** Drops every socket at once (in-flight requests reject), as a closing app does. */
  close(): void {
    void this.pool.destroy().catch(() => {});
  }
}
