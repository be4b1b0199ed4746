import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpRequest } from '../../src/core/http-client.ts';
import { startTestBackend } from '../support/test-backend.ts';
import { exportAndBundle, resolvedScenarios, tempExportRoot } from './k6-export-support.ts';
import { runK6Bundle } from './k6-module-shims/run-bundle.ts';

const SEND_THRESHOLD = 'chat_server_errors{endpoint:send}';

/** The backend's own share of 5xx answers to sends: what the runbook's alert computes. */
async function serverSendErrorRatio(url: string): Promise<number> {
  const text = (await httpRequest<string>(`${url}/metrics`)).body;
  let all = 0;
  let failed = 0;
  for (const line of text.split('\n')) {
    if (
      !line.startsWith('http_requests_total{') ||
      !line.includes('route="/api/v1/chat/conversations/:id/messages"')
    )
      continue;
    if (!line.includes('method="POST"')) continue;
    const count = Number(line.split(' ').at(-1));
    all += count;
    if (/status="5\d\d"/.test(line)) failed += count;
  }
  return failed / all;
}

describe('the exported bad-deploy script, run through the k6 module shims against a real backend', () => {
  let bundle: string;
  let remove: () => Promise<void>;
  beforeAll(async () => {
    const temp = await tempExportRoot();
    remove = temp.remove;
    // Time scale 300: a 0.6 s baseline and a 2.4 s fault window.
    bundle = await exportAndBundle(await resolvedScenarios(['bad-deploy']), `${temp.root}/out`, {
      timeScale: 300,
    });
  });
  afterAll(() => remove?.());

  it('crosses its send-error threshold while release 1.5.0 is deployed (k6 would exit 99)', async () => {
    const backend = await startTestBackend({ env: { APP_RELEASE: '1.5.0' } });
    try {
      const result = await runK6Bundle(bundle, { TARGET: backend.url });
      expect(result.errors).toEqual([]);
      const send = result.thresholds.find((t) => t.metric === SEND_THRESHOLD);
      expect(send).toMatchObject({ expression: 'rate<=0.01', ok: false });
      expect(result.passed).toBe(false);
      // The alert would fire too: the backend's own ratio is over the runbook's 1 %, and k6 saw the same.
      const serverRatio = await serverSendErrorRatio(backend.url);
      expect(serverRatio).toBeGreaterThan(0.01);
      expect(send!.value).toBeCloseTo(serverRatio, 2);
      expect(result.checks['send acknowledged (201)']!.fails).toBeGreaterThan(0);
    } finally {
      await backend.close();
    }
  });

  it('holds on the healthy release 1.4.2, with every send acknowledged', async () => {
    const backend = await startTestBackend({ env: { APP_RELEASE: '1.4.2' } });
    try {
      const result = await runK6Bundle(bundle, { TARGET: backend.url });
      expect(result.errors).toEqual([]);
      expect(result.thresholds).toEqual([
        expect.objectContaining({ metric: SEND_THRESHOLD, ok: true, value: 0 }),
      ]);
      expect(result.passed).toBe(true);
      expect(result.checks['send acknowledged (201)']).toMatchObject({ fails: 0 });
      expect(result.checks['send acknowledged (201)']!.passes).toBeGreaterThanOrEqual(5);
      expect(result.checks['socket send acknowledged']).toMatchObject({ fails: 0 });
      expect(result.checks['legitimate request answered without 5xx']).toMatchObject({ fails: 0 });
    } finally {
      await backend.close();
    }
  });
});
