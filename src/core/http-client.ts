import http from 'node:http';

export interface HttpResponse<T = unknown> {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** Parsed JSON when the response is JSON, else the text. */
  body: T;
  raw: Buffer;
}

export interface HttpRequestOptions {
  method?: string;
  headers?: Record<string, string>;
  /** Sent as JSON unless it is a Buffer. */
  body?: unknown;
  token?: string;
  /** Source address to connect from, e.g. 127.0.0.7: every 127.x address is this machine. */
  localAddress?: string;
  agent?: http.Agent;
  timeoutMs?: number;
}

/**
 * One HTTP request with node:http, so a caller can choose its source address (fetch cannot). Network
 * failures reject; every HTTP status resolves.
 */
export function httpRequest<T = unknown>(
  url: string,
  options: HttpRequestOptions = {},
): Promise<HttpResponse<T>> {
  const { headers, payload } = encodeRequest(options);
  return new Promise((resolve, reject) => {
    const request = http.request(
      url,
      {
        method: options.method ?? (payload ? 'POST' : 'GET'),
        headers,
        localAddress: options.localAddress,
        agent: options.agent,
        timeout: options.timeoutMs ?? 10_000,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', reject);
        response.on('end', () =>
          resolve(decodeResponse<T>(response.statusCode ?? 0, response.headers, Buffer.concat(chunks))),
        );
      },
    );
    request.on('timeout', () => request.destroy(new Error(`request to ${url} timed out`)));
    request.on('error', reject);
    request.end(payload);
  });
}

/** The headers and bytes of a request's body: JSON unless it is a Buffer, and the bearer token. */
export function encodeRequest(options: Pick<HttpRequestOptions, 'headers' | 'body' | 'token'>): {
  headers: Record<string, string>;
  payload: Buffer | undefined;
} {
  const headers: Record<string, string> = { ...options.headers };
  let payload: Buffer | undefined;
  if (options.body !== undefined) {
    if (Buffer.isBuffer(options.body)) {
      payload = options.body;
      headers['content-type'] ??= 'application/octet-stream';
    } else {
      payload = Buffer.from(JSON.stringify(options.body));
      headers['content-type'] ??= 'application/json';
    }
    headers['content-length'] = String(payload.length);
  }
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  return { headers, payload };
}

/** A response with its body parsed when it is JSON; a malformed body stays text, the caller's evidence. */
export function decodeResponse<T>(
  status: number,
  headers: http.IncomingHttpHeaders,
  raw: Buffer,
): HttpResponse<T> {
  const contentType = headers['content-type'] ?? '';
  let body: unknown = raw.toString('utf8');
  if (contentType.includes('json') && raw.length > 0) {
    try {
      body = JSON.parse(body as string);
    } catch {
      // Leave the text.
    }
  }
  return { status, headers, body: body as T, raw };
}
