import type http from 'node:http';
import { Pool } from 'undici';
import { decodeResponse, encodeRequest, type HttpRequestOptions, type HttpResponse } from './http-client.ts';

export interface HttpPoolOptions {
  /** Keep-alive connections at most (default 4). */
  connections?: number;
  /** Source address for every connection, e.g. 127.0.0.7: every 127.x address is this machine. */
  localAddress?: string;
}

/**
 * Keep-alive connections to one origin over undici: about a quarter of node:http's CPU per request
 * (bench/RESULTS.md, "Peers side by side"). Opens a connection only when every open one is busy.
 */
export class HttpPool {
  private readonly pool: Pool;

  constructor(origin: string, options: HttpPoolOptions = {}) {
    this.pool = new Pool(origin, {
      connections: options.connections ?? 4,
      ...(options.localAddress ? { localAddress: options.localAddress } : {}),
    });
  }

  /** One request; network failures and timeouts reject, every HTTP status resolves. */
  async request<T = unknown>(
    path: string,
    options: Pick<HttpRequestOptions, 'method' | 'headers' | 'body' | 'token' | 'timeoutMs'> = {},
  ): Promise<HttpResponse<T>> {
    const { headers, payload } = encodeRequest(options);
    const timeoutMs = options.timeoutMs ?? 10_000;
    const response = await this.pool.request({
      path,
      method: (options.method ?? (payload ? 'POST' : 'GET')) as 'GET',
      headers,
      body: payload,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
    const raw = Buffer.from(await response.body.arrayBuffer());
    return decodeResponse<T>(response.statusCode, response.headers as http.IncomingHttpHeaders, raw);
  }

  /** Closes every connection at once, requests in flight included. */
  close(): void {
    void this.pool.destroy().catch(() => undefined);
  }
}
