import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpRequest } from '../../src/core/http-client.ts';
import { waitUntil } from '../../src/core/wait.ts';
import { startTestBackend, type TestBackend } from '../support/test-backend.ts';
import { exportAndBundle, resolvedScenarios, tempExportRoot } from './k6-export-support.ts';
import { registry } from './k6-module-shims/metrics-registry.ts';
import { runK6Bundle } from './k6-module-shims/run-bundle.ts';

describe("the exported scripts' special traffic, against a real backend", () => {
  let backend: TestBackend;
  let root: string;
  let remove: () => Promise<void>;
  beforeAll(async () => {
    ({ root, remove } = await tempExportRoot());
    backend = await startTestBackend();
  });
  afterAll(async () => {
    await backend?.close();
    await remove?.();
  });

  it("brute-force: the attacker's arrival rate crosses the failed-login threshold, as the alert would fire", async () => {
    // Time scale 60, as gameday runs it (the alert's 1 min window is 1 s), with a 0.5 s baseline
    // instead of 3 s: 3 s of attack at 25 a second, where 30 failures would fire the alert.
    const [resolved] = await resolvedScenarios(['brute-force']);
    const bundle = await exportAndBundle([{ ...resolved!, baselineMs: 30_000 }], `${root}/brute-force`, {
      timeScale: 60,
    });
    const result = await runK6Bundle(bundle, { TARGET: backend.url });
    expect(result.errors).toEqual([]);
    const failures = result.metrics.samples('chat_login_failures').length;
    // Every scheduled attempt was answered, dropped for want of a VU or cut at the graceful stop.
    const attempts = result.metrics.samples('http_reqs', { scenario: 'attacker' }).length;
    expect(attempts + result.dropped + result.interrupted).toBeGreaterThanOrEqual(74);
    const metrics = (await httpRequest<string>(`${backend.url}/metrics`)).body;
    const counted = /^auth_failures_total\{[^}]*source_ip="127\.0\.0\.1"[^}]*\} (\d+)$/m.exec(metrics);
    expect(Number(counted?.[1])).toBe(failures);
    expect(result.thresholds).toEqual([
      expect.objectContaining({ metric: 'chat_login_failures', expression: 'count<30', ok: false }),
      expect.objectContaining({ metric: 'chat_blocked', ok: true }),
    ]);
  });

  it('duplicate-messages: a send held past 1 s goes again with the same message_id, and the backend stores both', async () => {
    const scenarios = await resolvedScenarios(['duplicate-messages']);
    const bundle = await exportAndBundle(scenarios, `${root}/duplicates`, { timeScale: 300 });
    // Message writes wait for a lock, as behind the scenario's slow database link, until the first
    // resend: the send timed out after 1 s and went again; on release both inserts land.
    const locker = new pg.Client({ connectionString: backend.db.url });
    await locker.connect();
    try {
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE messages IN SHARE MODE');
      const run = runK6Bundle(bundle, { TARGET: backend.url });
      await waitUntil(() => registry.samples('chat_send_resends').length > 0, {
        timeoutMs: 15_000,
        what: 'a resend',
      });
      await locker.query('COMMIT');
      const result = await run;
      expect(result.errors).toEqual([]);
      const resends = result.metrics.samples('chat_send_resends').length;
      const sends = result.metrics.samples('http_reqs', { endpoint: 'send' }).length;
      expect(resends).toBeGreaterThan(0);
      expect(resends).toBeLessThanOrEqual((sends * 2) / 3);
      await waitUntil(
        async () =>
          (
            await backend.db.sql(
              `SELECT message_id FROM messages WHERE content LIKE 'k6 %' GROUP BY message_id HAVING count(*) > 1`,
            )
          ).rowCount,
        { timeoutMs: 10_000, what: 'a message stored twice under one message_id' },
      );
    } finally {
      await locker.end();
    }
  });
});
