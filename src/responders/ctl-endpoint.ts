import { randomBytes, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { redactSecrets } from '../core/redact.ts';
import type { Stack } from '../stack/stack.ts';
import { CtlUsageError, runCtl } from './ctl-verbs.ts';

/** A `gameday ctl` endpoint over one stack, for the kubectl shim: on loopback, behind a token. */
export interface CtlEndpoint {
  url: string;
  token: string;
  close(): Promise<void>;
}

function readJson(request: http.IncomingMessage): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => {
      body += chunk;
      if (body.length > 64_000) request.destroy(new Error('request too large'));
    });
    request.on('end', () => {
      try {
        resolve(body ? (JSON.parse(body) as Record<string, unknown>) : {});
      } catch {
        reject(new Error('the request body is not JSON'));
      }
    });
    request.on('error', reject);
  });
}

/**
 * Serves kubectl's verbs (`runCtl`) on `stack` to the kubectl shim (src/responders/shims/), so that a
 * runbook's `kubectl rollout undo deployment/chat-backend -n production` runs as written against a
 * stack without Kubernetes. The game-day mode's control server does the same for `gameday ctl`; this
 * one needs no game day, only a stack (`runbook verify`, a test).
 */
export async function startCtlEndpoint(stack: Stack): Promise<CtlEndpoint> {
  const token = randomBytes(24).toString('hex');
  const expected = Buffer.from(`Bearer ${token}`);
  const server = http.createServer((request, response) => {
    const reply = (code: number, body: Record<string, unknown>) => {
      response.writeHead(code, { 'content-type': 'application/json' });
      response.end(JSON.stringify(body));
    };
    const given = Buffer.from(request.headers.authorization ?? '');
    if (given.length !== expected.length || !timingSafeEqual(given, expected))
      return reply(401, { error: 'bad token' });
    if (`${request.method} ${request.url}` !== 'POST /ctl') return reply(404, { error: 'no such route' });
    readJson(request)
      .then(async (body) => {
        const args = Array.isArray(body.args) ? body.args.map(String) : [];
        const outcome = await runCtl(args, stack);
        reply(200, { output: outcome.output, action: outcome.action, changes: outcome.changes });
      })
      .catch((error: Error) =>
        error instanceof CtlUsageError
          ? reply(400, { error: error.message, unsupported: error.unsupported })
          : reply(500, { error: redactSecrets(error.message) }),
      );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    token,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
