import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpRequest } from '../../src/core/http-client.ts';
import type { GameDayResult } from '../../src/engine/result.ts';
import { backendEnvFor } from '../../src/engine/run-game-day.ts';
import { type CtlEndpoint, startCtlEndpoint } from '../../src/responders/ctl-endpoint.ts';
import { SHIMS_DIR } from '../../src/responders/stack-shell.ts';
import { EmbeddedStack } from '../../src/stack/embedded/embedded-stack.ts';

/**
 * examples/kubernetes/gameday-stack.json, the config a team on Kubernetes copies: its commands are
 * kubectl's (set env -e -, rollout status, logs -f, scale, delete pod). Here kubectl is gameday's shim
 * over `gameday ctl` on an embedded stack, so the file runs as written: a scenario of runbook 1 and
 * one of runbook 4 pass through it, and the stack ends as it was found.
 */
const CONFIG = 'examples/kubernetes/gameday-stack.json';
let stack: EmbeddedStack;
let endpoint: CtlEndpoint;
let stateDir: string;
let reportDir: string;

beforeAll(async () => {
  stateDir = await fs.mkdtemp(path.join(os.tmpdir(), 'gameday-state-kubernetes-'));
  reportDir = await fs.mkdtemp(path.join(os.tmpdir(), 'gameday-reports-kubernetes-'));
  // One pod: the config's scrape goes through the front, which reaches one pod per connection, and
  // least-connections balancing can give it the pod without senders (a CI run's bad-deploy was "not
  // detected" so). A rollout is still a real rolling update: the new pod is ready before the old goes.
  stack = await EmbeddedStack.up({ seed: 'tiny', replicas: 1, backendEnv: backendEnvFor(60) });
  endpoint = await startCtlEndpoint(stack);
}, 180_000);

afterAll(async () => {
  await endpoint?.close();
  await stack?.down();
  await fs.rm(stateDir, { recursive: true, force: true });
  await fs.rm(reportDir, { recursive: true, force: true });
});

function gameday(args: string[]): Promise<{ code: number | null; stderr: string }> {
  const { endpoints, secrets } = stack;
  const child = spawn(process.execPath, ['bin/gameday.js', ...args], {
    env: {
      ...process.env,
      GAMEDAY_STATE_DIR: stateDir,
      // kubectl is the shim, driving the embedded stack through gameday ctl.
      PATH: `${SHIMS_DIR}${path.delimiter}${process.env.PATH}`,
      GAMEDAY_CTL_URL: endpoint.url,
      GAMEDAY_CTL_TOKEN: endpoint.token,
      KUBE_CONTEXT: 'embedded',
      CHAT_FRONT_URL: endpoints.frontUrl,
      TOXIPROXY_URL: endpoints.proxyApiUrl!,
      CHAT_DB_ADMIN_URL: endpoints.database.primaryAdminUrl,
      CHAT_DB_APP_URL: endpoints.database.appUrl,
      CHAT_ADMIN_TOKEN: secrets.adminToken,
      CHAT_JWT_SECRET: secrets.jwtSecret,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stderr })));
}

describe('the Kubernetes example config', () => {
  it("passes a runbook 1 and a runbook 4 scenario with kubectl's commands, and leaves the deployment as found", async () => {
    // One scenario of each runbook: every rollout through kubectl is a real rolling update here.
    const ids = ['bad-deploy', 'breaker-stuck'];
    const { code, stderr } = await gameday([
      'run',
      ...ids,
      '--stack',
      'external',
      '--stack-config',
      CONFIG,
      '--report-dir',
      reportDir,
    ]);
    const report = JSON.parse(
      await fs.readFile(path.join(reportDir, 'latest', 'report.json'), 'utf8'),
    ) as GameDayResult;
    expect(
      report.scenarios.map((s) => [s.id, s.status, s.reasons]),
      stderr.slice(-3000),
    ).toEqual(ids.map((id) => [id, 'passed', []]));
    expect(code).toBe(0);
    // Every rollout went through `kubectl set env`: the stack's own history says so.
    const history = stack.backend.history();
    expect(history.length).toBeGreaterThan(4);
    expect(history.slice(1).every((revision) => revision.changeCause.startsWith('set env'))).toBe(true);
    expect(history.some((revision) => revision.release === '1.5.0')).toBe(true);
    // Back to the deployment as found: the first release, none of the scenarios' variables.
    expect(history.at(-1)).toMatchObject({ release: '1.4.2', env: history[0]!.env });
    const health = await httpRequest<{ release: string }>(`${stack.endpoints.frontUrl}/api/v1/health`);
    expect(health.body.release).toBe('1.4.2');
  }, 420_000);
});
