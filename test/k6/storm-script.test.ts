import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitUntil } from '../../src/core/wait.ts';
import type { ResolvedScenario } from '../../src/engine/resolve-scenario.ts';
import { startTestBackend, type TestBackend } from '../support/test-backend.ts';
import { exportAndBundle, resolvedScenarios, tempExportRoot } from './k6-export-support.ts';
import { type K6RunResult, runK6Bundle } from './k6-module-shims/run-bundle.ts';

/** The game day's storm is 1,200 clients; 60 prove the protocol without taking both shared cores. */
const STORM_CLIENTS = 60;

function smallerStorm(resolved: ResolvedScenario): ResolvedScenario {
  return {
    ...resolved,
    faults: resolved.faults.map((fault) =>
      fault.kind === 'socket-storm'
        ? { ...fault, params: { ...fault.params, clients: STORM_CLIENTS } }
        : fault,
    ),
  };
}

describe('the exported connection-storm script, run through the k6 module shims against a real backend', () => {
  let backend: TestBackend;
  let result: K6RunResult;
  let peakSockets = 0;
  let remove: () => Promise<void>;
  beforeAll(async () => {
    const temp = await tempExportRoot();
    remove = temp.remove;
    const [resolved] = await resolvedScenarios(['connection-storm-attack']);
    // Time scale 200: a 0.9 s baseline, then the storm for 3 s.
    const bundle = await exportAndBundle([smallerStorm(resolved!)], `${temp.root}/out`, { timeScale: 200 });
    backend = await startTestBackend();
    // What the runbook's alert reads: the backend's own count of open Socket.IO connections.
    const sampler = setInterval(() => {
      peakSockets = Math.max(peakSockets, backend.backend.context.socketCount());
    }, 20);
    try {
      result = await runK6Bundle(bundle, { TARGET: backend.url });
    } finally {
      clearInterval(sampler);
    }
  });
  afterAll(async () => {
    await backend?.close();
    await remove?.();
  });

  it('opens the storm and the users’ sockets on the backend, and closes them all at the end', async () => {
    expect(result.errors).toEqual([]);
    expect(result.interrupted).toBe(0);
    expect(peakSockets).toBeGreaterThanOrEqual(STORM_CLIENTS + 8);
    const stormConnects = result.metrics.samples('socketio_connects', { scenario: 'storm' });
    expect(stormConnects.length).toBeGreaterThanOrEqual(STORM_CLIENTS);
    expect(stormConnects.every((sample) => sample.value === 1)).toBe(true);
    await waitUntil(() => backend.backend.context.socketCount() === 0, {
      timeoutMs: 5_000,
      what: 'every socket closed',
    });
  });

  it('joins, sends over the socket and gets every send acknowledged and stored exactly once', async () => {
    expect(result.checks['socket connected']).toMatchObject({ fails: 0 });
    expect(result.checks['joined conversation']!.passes).toBeGreaterThanOrEqual(8);
    expect(result.checks['joined conversation']!.fails).toBe(0);
    const acked = result.checks['socket send acknowledged']!;
    expect(acked.fails).toBe(0);
    expect(acked.passes).toBeGreaterThanOrEqual(8);
    expect(result.metrics.samples('socketio_messages_received').length).toBeGreaterThan(0);
    const stored = await backend.db.sql<{ n: string }>(
      `SELECT count(*) AS n FROM messages WHERE content LIKE 'k6 socket %'`,
    );
    expect(Number(stored.rows[0]!.n)).toBe(acked.passes);
  });

  it('passes its thresholds on a healthy backend: no legitimate user was blocked', () => {
    expect(result.thresholds).toEqual([expect.objectContaining({ metric: 'chat_blocked', ok: true })]);
    expect(result.passed).toBe(true);
  });
});
