import http from 'node:http';
import https from 'node:https';
import { parseDuration } from './durations.ts';
import { registry } from './metrics-registry.ts';
import { contextTags } from './vu-context.ts';

const agents = {
  'http:': new http.Agent({ keepAlive: true, maxSockets: 256 }),
  'https:': new https.Agent({ keepAlive: true, maxSockets: 256 }),
};

export function closeAgents(): void {
  for (const agent of Object.values(agents)) agent.destroy();
}

interface Expected {
  statuses: (number | { min: number; max: number })[];
}

export function expectedStatuses(...statuses: Expected['statuses']): Expected {
  return { statuses };
}

function isExpected(status: number, callback: Expected | undefined): boolean {
  if (!callback) return status >= 200 && status < 400;
  return callback.statuses.some((s) =>
    typeof s === 'number' ? s === status : status >= s.min && status <= s.max,
  );
}

interface Params {
  headers?: Record<string, string>;
  tags?: Record<string, string>;
  timeout?: string | number;
  responseCallback?: Expected;
}

/** k6's Response, the fields the scripts read. */
class Response {
  constructor(
    readonly status: number,
    readonly body: string | null,
    readonly headers: Record<string, string>,
    readonly error: string,
    readonly error_code: number,
    readonly timings: { duration: number },
  ) {}

  json(): unknown {
    return JSON.parse(this.body ?? '');
  }
}

function send(method: string, url: string, body: string | null, params: Params, timeoutMs: number) {
  return new Promise<Omit<Response, 'timings' | 'json'>>((resolve) => {
    const parsed = new URL(url);
    const request = (parsed.protocol === 'https:' ? https : http).request(
      parsed,
      { method, headers: params.headers, agent: agents[parsed.protocol as 'http:'], timeout: timeoutMs },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          const headers = Object.fromEntries(
            Object.entries(response.headers).map(([k, v]) => [k, String(v)]),
          );
          const status = response.statusCode ?? 0;
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({
            status,
            body: text,
            headers,
            error: '',
            error_code: status >= 500 ? 1500 : status >= 400 ? 1400 : 0,
          });
        });
      },
    );
    // k6 answers a failed request with status 0 and an error code (1050: timeout) rather than throwing.
    request.on('timeout', () =>
      request.destroy(Object.assign(new Error('request timeout'), { code: 'K6_TIMEOUT' })),
    );
    request.on('error', (error: NodeJS.ErrnoException) =>
      resolve({
        status: 0,
        body: null,
        headers: {},
        error: error.message,
        error_code: error.code === 'K6_TIMEOUT' ? 1050 : 1000,
      }),
    );
    request.end(body ?? undefined);
  });
}

/** http.asyncRequest: one request, with k6's built-in http_* samples tagged as k6 tags them. */
export async function asyncRequest(method: string, url: string, body?: string | null, params: Params = {}) {
  const tags = contextTags();
  const started = performance.now();
  const timeoutMs = params.timeout === undefined ? 60_000 : parseDuration(params.timeout);
  const answer = await send(method, url, body ?? null, params, timeoutMs);
  const duration = performance.now() - started;
  const expected = isExpected(answer.status, params.responseCallback);
  const sampleTags = {
    ...tags,
    method,
    url,
    name: url,
    status: String(answer.status),
    expected_response: String(expected),
    ...params.tags,
  };
  registry.add('http_reqs', 'counter', 1, sampleTags);
  registry.add('http_req_duration', 'trend', duration, sampleTags);
  registry.add('http_req_failed', 'rate', expected ? 0 : 1, sampleTags);
  return new Response(answer.status, answer.body, answer.headers, answer.error, answer.error_code, {
    duration,
  });
}

function blocking(): never {
  // Blocking requests would stop every VU and the backend under test, which share this thread.
  throw new Error('k6 shim: only http.asyncRequest is available; the exported scripts use nothing else');
}

export const request = blocking;
export const get = blocking;
export const post = blocking;
