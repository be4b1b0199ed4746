import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpRequest } from '../../src/core/http-client.ts';
import { waitUntil } from '../../src/core/wait.ts';
import {
  stackShell,
  substituteDatabaseUrls,
  substituteKubernetes,
} from '../../src/responders/stack-shell.ts';
import { judgeShellRun } from '../../src/runbooks/judge-shell.ts';
import { effectOnReplicas } from '../../src/runbooks/replica-effect.ts';
import { runAsWritten } from '../../src/runbooks/run-shell.ts';
import { settingChangesOf } from '../../src/runbooks/setting-changes.ts';
import { SettingProbe } from '../../src/runbooks/setting-effect.ts';
import { loadSqlParser } from '../../src/runbooks/sql-check/index.ts';
import type { RunbookStep } from '../../src/runbooks/steps.ts';
import type { RevisionInfo, Stack } from '../../src/stack/stack.ts';
import { startTcpForwarder, type TcpForwarder } from '../support/tcp-forwarder.ts';
import { ADMIN_TOKEN, startTestBackend, type TestBackend } from '../support/test-backend.ts';

/**
 * A runbook's commands run as written against a stack: two real backend replicas on one database
 * (the first doubles as the front, as a load balancer would send one request to one of them), with
 * kubectl a shim over `gameday ctl`, psql the real psql on the stack's database, curl the real curl
 * aimed at the front.
 */
let a: TestBackend;
let b: TestBackend;
let link: TcpForwarder;
let stack: Stack;
let shell: Awaited<ReturnType<typeof stackShell>>;

beforeAll(async () => {
  await loadSqlParser();
  a = await startTestBackend({ env: { INSTANCE_NAME: 'chat-backend-a' } });
  // The second replica reaches the database through a link the test can cut (to trip its breaker).
  const port = Number(new URL(a.db.url).port);
  link = await startTcpForwarder(port);
  const linked = new URL(a.db.url);
  linked.port = String(link.port);
  b = await startTestBackend({
    db: a.db,
    store: a.store,
    env: {
      DATABASE_URL: linked.toString(),
      INSTANCE_NAME: 'chat-backend-b',
      CIRCUIT_BREAKER_FAILURE_THRESHOLD: '1',
      CIRCUIT_BREAKER_HALF_OPEN_AFTER_MS: '600000',
    },
  });
  const history: RevisionInfo[] = [
    {
      revision: 1,
      release: '1.4.2',
      env: {},
      changeCause: 'initial deploy',
      createdAt: new Date().toISOString(),
    },
  ];
  const url = new URL(a.db.url);
  const refused = async (): Promise<never> => {
    throw new Error('not in this test');
  };
  stack = {
    kind: 'embedded',
    id: 'shell-test',
    capabilities: new Set(['rollout']),
    endpoints: {
      frontUrl: a.url,
      proxies: {},
      database: {
        primaryAdminUrl: a.db.url,
        appUrl: a.db.url,
        appUser: decodeURIComponent(url.username),
        appDatabase: a.db.name,
      },
    },
    secrets: { adminToken: ADMIN_TOKEN, jwtSecret: 'x'.repeat(20), userPassword: 'x' },
    backend: {
      replicas: () =>
        [a, b].map((replica, i) => ({
          name: `chat-backend-${'ab'[i]}`,
          url: replica.url,
          ready: true,
          release: '1.4.2',
          revision: 1,
          restarts: 0,
        })),
      history: () => history,
      logs: () => a.logs.map((record) => JSON.stringify(record)),
      deploy: refused,
      undo: refused,
      restart: refused,
      setEnv: refused,
      scale: refused,
      killReplica: () => undefined,
      connectionSpread: async () => [],
    },
    database: {
      adminUrl: () => a.db.url,
      stopPrimary: refused,
      startPrimary: refused,
      promoteReplica: refused,
      primaryRunning: () => true,
      freezePrimary: refused,
      thawPrimary: refused,
      primaryFrozen: () => false,
      takeBaseBackup: refused,
      restoreToPointInTime: refused,
    },
    status: async () => [],
    down: async () => undefined,
  };
  shell = await stackShell(stack);
}, 60_000);

afterAll(async () => {
  await shell?.close();
  await b?.close();
  await link?.close();
  await a?.close();
});

const step = (text: string, extra: Partial<RunbookStep> = {}): RunbookStep => ({
  kind: 'shell',
  text,
  line: 1,
  endLine: 1,
  section: 'Immediate Actions',
  block: 1,
  ...extra,
});
const looking = (text: string) => runAsWritten(text, shell.tools, { timeoutMs: 20_000, looksOnly: true });

describe('a runbook command run as written on a stack', () => {
  it('kubectl is gameday ctl: deployment/… and -n … accepted, its output piped on as written', async () => {
    const run = await looking('kubectl rollout history deployment/chat-backend -n production | tail -5');
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toMatch(/^REVISION\s+RELEASE\s+CHANGE-CAUSE/);
    expect(run.stdout).toMatch(/\n1\s+1\.4\.2\s+initial deploy/);
    expect(run.calls).toEqual([
      expect.objectContaining({ tool: 'kubectl', exit: 0, action: 'rollout-history' }),
    ]);
  });

  it('a kubectl verb with no equivalent here is a person’s step, not a broken one', async () => {
    const run = await looking(
      'kubectl set resources deployment/chat-backend --limits=memory=4Gi -n production',
    );
    expect(run.calls[0]).toMatchObject({
      tool: 'kubectl',
      exit: 1,
      unsupported: expect.stringMatching(/no equivalent on this stack/),
    });
    expect(
      judgeShellRun(step(run.command), run, { evidence: [], moment: 'during-fault', own: false })[0]?.status,
    ).toBe('manual');
  });

  it('curl reaches the stack’s front whatever host the runbook names; a missing path is broken', async () => {
    const run = await looking(
      'curl -s https://chat-backend.internal/api/v1/health | grep -o \'"status":"[a-z]*"\'',
    );
    expect(run.stdout.trim()).toBe('"status":"ok"');
    expect(run.calls).toEqual([
      expect.objectContaining({ tool: 'curl', httpStatus: 200, path: '/api/v1/health' }),
    ]);
    const missing = await looking('curl -s https://chat-backend.internal/api/v1/health/db');
    expect(
      judgeShellRun(step(missing.command), missing, { evidence: [], moment: 'during-fault', own: false }),
    ).toEqual([{ rule: 'runs', status: 'broken', observed: '/api/v1/health/db does not exist (404)' }]);
  });

  it('psql is the stack’s database, read-only while it only looks', async () => {
    const run = await looking(
      'psql -h db.internal -U chatuser -d chatdb -t -A -c "SELECT count(*) FROM conversations"',
    );
    expect(run.exitCode).toBe(0);
    expect(Number(run.stdout.trim())).toBeGreaterThan(0);
    const write = await looking(
      'psql -h db.internal -U chatuser -d chatdb -c "CREATE TABLE gameday_probe (a int)"',
    );
    expect(write.exitCode).not.toBe(0);
    expect(write.stderr).toMatch(/read-only transaction/);
    // An interactive psql (no -c) connects and ends: its stdin is empty.
    expect((await looking('psql -h db.internal -U chatuser -d chatdb')).exitCode).toBe(0);
  });

  it('a breaker reset sent through the front reaches one replica: its effect is judged on every replica', async () => {
    await link.cut();
    await httpRequest(`${b.url}/api/v1/health/database`).catch(() => undefined);
    await link.restore();
    await waitUntil(
      async () =>
        (await httpRequest<{ state: string }>(`${b.url}/admin/circuit-breaker`, { token: ADMIN_TOKEN })).body
          .state === 'open',
      {
        timeoutMs: 10_000,
        what: 'replica b’s breaker to open',
      },
    );
    const command =
      'curl -s -X POST https://chat-backend.internal/admin/circuit-breaker/reset -H "Authorization: Bearer $ADMIN_TOKEN"';
    const run = await runAsWritten(command, shell.tools, { timeoutMs: 20_000, looksOnly: false });
    expect(run.stdout).toMatch(/"state":"closed"/);
    expect(run.stdout).not.toContain(ADMIN_TOKEN);
    const effect = await effectOnReplicas(stack, 'reset-breaker', run.command, run.durationMs);
    expect(effect).toMatchObject({
      status: 'inaccurate',
      observed: expect.stringMatching(/closed on 1 of 2 replicas: .* \(still open on chat-backend-b\)/),
    });
  });
});

describe('a settings change, on the sessions that serve users', () => {
  it('ALTER DATABASE … SET: a session opened before keeps the old value, and so do the pooled connections', async () => {
    // The replicas' pools hold connections opened before the change.
    await Promise.all([a, b].map((replica) => httpRequest(`${replica.url}/api/v1/health/database`)));
    const sql = `ALTER DATABASE ${a.db.name} SET statement_timeout = '30s'`;
    const { database } = stack.endpoints;
    const probe = await SettingProbe.open(
      {
        appUrl: database.appUrl,
        adminUrl: database.appUrl,
        appUser: database.appUser,
        appDatabase: database.appDatabase,
      },
      settingChangesOf(sql),
    );
    try {
      await a.db.sql(sql);
      await probe.observe();
      const { judgement, worked } = await probe.judge({
        windowMs: 1_000,
        replacement: 'never by age',
        context: { statement_timeout: 'user' },
      });
      expect(judgement).toMatchObject({
        rule: 'effect',
        status: 'inaccurate',
        observed: expect.stringMatching(
          /^only new sessions get statement_timeout = 30s: a session opened before it still has 0, and [1-9]\d* of the backend's \d+ pooled connections/,
        ),
      });
      expect(worked[0]).toMatchObject({ kind: 'setting', takesEffect: 'new-sessions' });
    } finally {
      await probe.close();
      await a.db.sql(`ALTER DATABASE ${a.db.name} RESET statement_timeout`);
    }
  });
});

describe('the runbook’s names for this stack', () => {
  it('database URLs become the stack’s, the replica’s for a replica host', () => {
    const { command, substitutions } = substituteDatabaseUrls(
      'kubectl set env deployment/chat-backend DATABASE_URL="postgresql://chatuser:pass@chatdb-replica-1.internal:5432/chatdb"',
      {
        appUrl: 'postgresql://app:secret@127.0.0.1:1/chatdb',
        replicaAppUrl: 'postgresql://app:secret@127.0.0.1:2/chatdb',
      },
    );
    expect(command).toBe(
      'kubectl set env deployment/chat-backend DATABASE_URL="postgresql://app:secret@127.0.0.1:2/chatdb"',
    );
    expect(substitutions).toEqual([
      "postgresql://chatuser:***@chatdb-replica-1.internal:5432/chatdb → the stack's replica (postgresql://app:***@127.0.0.1:2/chatdb)",
    ]);
  });

  it('a Kubernetes stack’s context, namespace and deployment replace the runbook’s', () => {
    const { command, substitutions } = substituteKubernetes(
      'kubectl rollout undo deployment/chat-backend -n production && kubectl get pods --namespace=production',
      { context: 'staging-eu', namespace: 'chat', deployment: 'chat-api' },
    );
    expect(command).toBe(
      'kubectl --context staging-eu rollout undo deployment/chat-api -n chat && kubectl --context staging-eu get pods --namespace=chat',
    );
    expect(substitutions).toEqual([
      'namespace production → chat',
      'deployment/chat-backend → deployment/chat-api',
      'kube context staging-eu',
    ]);
  });
});
