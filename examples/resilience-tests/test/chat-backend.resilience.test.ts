import { sendsSucceedCheck, useStack } from 'gameday/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

/**
 * How the chat backend must behave when its dependencies fail, tested the way we test everything
 * else: in CI, on every change. gameday/testing starts the backend with its PostgreSQL primary and
 * replica, Toxiproxy and the attachment store on testcontainers, once for this file; every fault a
 * test injects is reverted after it, whatever happened in the test.
 */
const chat = useStack({ stack: 'testcontainers', replicas: 2 }, { beforeAll, afterEach, afterAll });

/** A user of the seed and one of their conversations, as our mobile client would log in. */
async function signIn(user = 'user1'): Promise<{ token: string; conversation: string }> {
  const login = await fetch(`${chat.frontUrl}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: user, password: chat.secrets.userPassword }),
  });
  const { token } = (await login.json()) as { token: string };
  const listed = await fetch(`${chat.frontUrl}/api/v1/me/conversations`, {
    headers: { authorization: `Bearer ${token}` },
  });
  const { conversations } = (await listed.json()) as { conversations: { id: string }[] };
  return { token, conversation: conversations[0]!.id };
}

async function send({ token, conversation }: { token: string; conversation: string }): Promise<number> {
  const response = await fetch(`${chat.frontUrl}/api/v1/chat/conversations/${conversation}/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ message_id: crypto.randomUUID(), content: 'are you there?' }),
    signal: AbortSignal.timeout(15_000),
  });
  return response.status;
}

/** Sends until one answers `status` (then the time it took), or fails after `withinMs`. */
async function sendUntil(session: { token: string; conversation: string }, status: number, withinMs: number) {
  const started = performance.now();
  const seen: number[] = [];
  while (performance.now() - started < withinMs) {
    const answer = await send(session).catch(() => 0);
    seen.push(answer);
    if (answer === status) return performance.now() - started;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`no ${status} within ${withinMs} ms; answers: ${seen.join(', ')}`);
}

async function uptimes(): Promise<number[]> {
  return Promise.all(
    chat.stack.backend.replicas().map(async (replica) => {
      const health = await fetch(`${replica.url}/api/v1/health`);
      return ((await health.json()) as { uptimeSeconds: number }).uptimeSeconds;
    }),
  );
}

describe('the chat backend under failure', () => {
  it('answers 503 within 5 s of losing its database, and recovers once it is back, without a restart', async () => {
    const session = await signIn();
    expect(await send(session)).toBe(201);
    const before = await uptimes();

    const cut = await chat.inject('proxy-down', { proxy: 'database' });
    // Fail fast and honestly: 503 (retry later), not a hang, not a 500.
    expect(await sendUntil(session, 503, 5_000)).toBeLessThan(5_000);

    await cut.undo();
    // The breaker half-opens and closes again: sends succeed within 10 s…
    await sendUntil(session, 201, 10_000);
    // …in the same processes: each replica's uptime went on (a restart would have reset it).
    const after = await uptimes();
    for (const [i, uptime] of after.entries()) expect(uptime).toBeGreaterThanOrEqual(before[i]!);
  });

  it('keeps serving when every query takes 200 ms longer: no 5xx, no request waiting for a pooled connection', async () => {
    const traffic = await chat.startTraffic({ users: 8, sockets: 0 });
    await chat.waitForRecovery(sendsSucceedCheck(), { within: '30s', hold: '2s' });

    await chat.inject('proxy-toxic', {
      proxy: 'database',
      type: 'latency',
      attributes: { latency: 200 },
    });
    await chat.holds(
      [
        sendsSucceedCheck(),
        {
          name: 'no request waits for a pooled connection',
          expr: { fn: 'value', metric: 'database_pool_requests_waiting', agg: 'max' },
          comparator: '<',
          threshold: 1,
        },
      ],
      { for: '15s' },
    );
    const report = await traffic.stop();
    expect(report.serverErrors).toBe(0);
    expect(report.ok).toBeGreaterThan(0);
  });

  it('fails over to the replica without losing a message it acknowledged', async () => {
    // gameday's own drill: the primary stops, the breaker opens, the replica is promoted and the
    // backend repointed; every message acknowledged under load is looked up on the new primary.
    const result = await chat.runScenario('database-outage');
    expect([result.status, result.reasons]).toEqual(['passed', []]);
    expect(result.acknowledgedMessages).toBeGreaterThan(0);
    expect(result.lostMessages).toBe(0);
    expect(result.detection.timeToDetectMs).toBeLessThanOrEqual(result.detection.budgetMs);
  });
});
