import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  CreateExperimentTemplateCommand,
  type CreateExperimentTemplateCommandInput,
  GetExperimentCommand,
  ListExperimentResolvedTargetsCommand,
  StartExperimentCommand,
  StopExperimentCommand,
} from '@aws-sdk/client-fis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpRequest } from '../../src/core/http-client.ts';
import { waitUntil } from '../../src/core/wait.ts';
import { LocalFisExecutor } from '../../src/faults/fis/local-executor.ts';
import {
  LOCAL_ROLE_ARN,
  localFisConfig,
  localNamesFrom,
  DEFAULT_LOCAL_NAMES as NAMES,
  taskArn,
} from '../../src/faults/fis/local-resources.ts';
import { type FisEndpoint, startFisEndpoint } from '../../src/fis/fis-api.ts';
import { fisTemplateFor } from '../../src/fis/templates.ts';
import { EmbeddedStack } from '../../src/stack/embedded/embedded-stack.ts';
import { MemoryLedger } from '../support/fakes/fake-services.ts';
import { fisClient, waitForStatus } from './fis-client.ts';

/**
 * FIS's actions carried out on a real embedded stack by gameday's executor, through the endpoint and
 * the real client: each lands on the part its target names, as the gameday fault it stands for, and
 * is undone at its end or when the experiment stops. Time scale 60: PT1M lasts 1 s.
 */
let stateDir: string;
let stack: EmbeddedStack;
let endpoint: FisEndpoint;
const ledger = new MemoryLedger();
let client: ReturnType<typeof fisClient>;

beforeAll(async () => {
  stateDir = await fs.mkdtemp(path.join(os.tmpdir(), 'gameday-state-fis-executor-'));
  process.env.GAMEDAY_STATE_DIR = stateDir;
  stack = await EmbeddedStack.up({ seed: 'tiny', replicas: 2 });
  endpoint = await startFisEndpoint({
    executor: new LocalFisExecutor({
      stack: () => stack,
      ledger: () => ({ recorder: ledger, scenario: 'executor-test' }),
      timeScale: 60,
      // A rebooted primary is back after a minute of runbook time: 1 s here.
      rebootOutageMs: 60_000,
    }),
    timeScale: 60,
  });
  client = fisClient(endpoint.url);
}, 120_000);
afterAll(async () => {
  await endpoint?.close();
  await stack?.down();
  await fs.rm(stateDir, { recursive: true, force: true });
});

async function start(template: CreateExperimentTemplateCommandInput) {
  const { experimentTemplate } = await client.send(new CreateExperimentTemplateCommand(template));
  const { experiment } = await client.send(
    new StartExperimentCommand({ experimentTemplateId: experimentTemplate!.id }),
  );
  return experiment!.id!;
}

const running = (id: string) => waitForStatus(client, id, ['running', 'failed'], 15_000);

/** Every action of the experiment in place (its start done): what `--faults fis` waits for too. */
const inPlace = (id: string) =>
  waitUntil(
    async () => {
      const { experiment } = await client.send(new GetExperimentCommand({ id }));
      const states = Object.values(experiment?.actions ?? {}).map((a) => a.state?.status);
      return states.every((s) => s === 'running' || s === 'completed') ? experiment : undefined;
    },
    { timeoutMs: 15_000, intervalMs: 10, what: `experiment ${id}'s actions to be in place` },
  );

/** gameday's own template for a fault, on the local stack's names (what `--faults fis` runs). */
function templateFor(fault: { kind: string; [key: string]: unknown }, duration = 'PT10M') {
  const made = fisTemplateFor({ id: 'executor-test', fault }, localFisConfig(), { duration });
  if (made.status !== 'template') throw new Error(JSON.stringify(made));
  return made.template;
}

const toxics = async (proxy: string) =>
  (
    await httpRequest<{ name: string; attributes: Record<string, number>; toxicity: number }[]>(
      `${stack.endpoints.proxyApiUrl}/proxies/${proxy}/toxics`,
    )
  ).body;
const proxyEnabled = async (proxy: string) =>
  (await httpRequest<{ enabled: boolean }>(`${stack.endpoints.proxyApiUrl}/proxies/${proxy}`)).body.enabled;

describe("gameday's FIS executor on a local stack", () => {
  it('resolves targets to the stack’s parts by ARN, tags and EKS parameters, and nothing else', async () => {
    const id = await start({
      description: 'resolution',
      roleArn: LOCAL_ROLE_ARN,
      stopConditions: [{ source: 'none' }],
      targets: {
        primary: { resourceType: 'aws:rds:db', resourceArns: [NAMES.primary], selectionMode: 'ALL' },
        tasks: {
          resourceType: 'aws:ecs:task',
          resourceTags: { 'gameday:component': 'chat-backend' },
          selectionMode: 'ALL',
        },
        pods: {
          resourceType: 'aws:eks:pod',
          parameters: {
            clusterIdentifier: 'gameday',
            namespace: 'gameday',
            selectorType: 'deploymentName',
            selectorValue: 'chat-backend',
          },
          selectionMode: 'ALL',
        },
      },
      // Targets resolve when the experiment starts; the actions wait behind a long aws:fis:wait and
      // are cancelled by the stop, so nothing is done to the stack.
      actions: {
        wait: { actionId: 'aws:fis:wait', parameters: { duration: 'PT1H' } },
        a: {
          actionId: 'aws:rds:reboot-db-instances',
          targets: { DBInstances: 'primary' },
          startAfter: ['wait'],
        },
        b: { actionId: 'aws:ecs:stop-task', targets: { Tasks: 'tasks' }, startAfter: ['wait'] },
        c: {
          actionId: 'aws:eks:pod-delete',
          parameters: { kubernetesServiceAccount: 'fis' },
          targets: { Pods: 'pods' },
          startAfter: ['wait'],
        },
      },
    });
    await running(id);
    await client.send(new StopExperimentCommand({ id }));
    const stopped = await waitForStatus(client, id, ['stopped']);
    expect(stopped.actions!.a!.state?.status).toBe('cancelled');
    const { resolvedTargets } = await client.send(
      new ListExperimentResolvedTargetsCommand({ experimentId: id }),
    );
    const byTarget = (name: string) =>
      resolvedTargets!.filter((t) => t.targetName === name).map((t) => t.targetInformation?.identifier);
    const replicas = stack.backend.replicas().map((r) => r.name);
    expect(byTarget('primary')).toEqual([NAMES.primary]);
    expect(byTarget('tasks').sort()).toEqual(replicas.map((r) => taskArn(NAMES, r)).sort());
    expect(byTarget('pods').sort()).toEqual([...replicas].sort());

    const unknown = await start({
      ...templateFor({ kind: 'stop-primary', mode: 'fast' }),
      targets: {
        'primary-database': {
          resourceType: 'aws:rds:db',
          resourceArns: ['arn:aws:rds:us-east-1:123456789012:db:someone-elses'],
          selectionMode: 'ALL',
        },
      },
    });
    const failed = await waitForStatus(client, unknown, ['failed']);
    expect(failed.state?.reason).toBe('Target primary-database resolved to no resources.');
    expect(stack.database.primaryRunning()).toBe(true);
  }, 60_000);

  it('latency on a share of the tasks: a latency toxic on the dependency `sources` names, with that share as its toxicity; gone on stop', async () => {
    const template = templateFor({
      kind: 'proxy-toxic',
      proxy: 'database',
      type: 'latency',
      attributes: { latency: 300 },
    });
    template.targets!['backend-tasks']!.selectionMode = 'COUNT(1)';
    expect(template.actions!['slow-database-link']!.parameters!.sources).toBe(NAMES.sources.database);
    const id = await start(template);
    expect((await inPlace(id))!.state?.status).toBe('running');
    const [toxic] = await toxics('postgres');
    expect(toxic).toMatchObject({ type: 'latency', attributes: { latency: 300, jitter: 0 } });
    // One proxy serves both replicas: one task of two is half the connections.
    expect(toxic!.toxicity).toBeCloseTo(0.5);
    expect(await toxics('object-store')).toEqual([]);
    await client.send(new StopExperimentCommand({ id }));
    expect((await waitForStatus(client, id, ['stopped'])).actions!['slow-database-link']!.state?.status).toBe(
      'stopped',
    );
    expect(await toxics('postgres')).toEqual([]);
  }, 30_000);

  it('disrupted connectivity: the database’s subnets freeze the primary, the backend’s (scope s3) cut the object store; both back at the end', async () => {
    const hang = await start(templateFor({ kind: 'freeze-primary' }));
    expect((await inPlace(hang))!.state?.status).toBe('running');
    expect(stack.database.primaryFrozen()).toBe(true);
    const cut = await start(templateFor({ kind: 'proxy-down', proxy: 'objectStore' }, 'PT1M'));
    expect((await inPlace(cut))!.state?.status).toBe('running');
    expect(await proxyEnabled('object-store')).toBe(false);
    // PT1M at time scale 60: the cut ends by itself after about a second.
    await waitForStatus(client, cut, ['completed'], 10_000);
    expect(await proxyEnabled('object-store')).toBe(true);
    await client.send(new StopExperimentCommand({ id: hang }));
    await waitForStatus(client, hang, ['stopped']);
    expect(stack.database.primaryFrozen()).toBe(false);
  }, 30_000);

  it('a reboot stops the primary, which comes back after the outage (or at once on stop)', async () => {
    const reboot = await start(templateFor({ kind: 'stop-primary', mode: 'fast' }));
    expect((await inPlace(reboot))!.state?.status).toBe('running');
    expect(stack.database.primaryRunning()).toBe(false);
    const done = await waitForStatus(client, reboot, ['completed'], 15_000);
    expect(done.actions!['reboot-primary']!.state?.status).toBe('completed');
    expect(stack.database.primaryRunning()).toBe(true);
    const health = await httpRequest(`${stack.endpoints.frontUrl}/api/v1/health/database`);
    expect(health.status).toBe(200);

    // An instance an hour from back: StopExperiment brings it back now (on AWS the reboot goes on).
    const slow = await startFisEndpoint({
      executor: new LocalFisExecutor({ stack: () => stack, timeScale: 60, rebootOutageMs: 3_600_000 }),
      timeScale: 60,
    });
    try {
      const slowClient = fisClient(slow.url);
      const { experimentTemplate } = await slowClient.send(
        new CreateExperimentTemplateCommand(templateFor({ kind: 'stop-primary', mode: 'fast' })),
      );
      const { experiment } = await slowClient.send(
        new StartExperimentCommand({ experimentTemplateId: experimentTemplate!.id }),
      );
      await waitUntil(() => !stack.database.primaryRunning(), {
        timeoutMs: 10_000,
        what: 'the primary to stop',
      });
      await slowClient.send(new StopExperimentCommand({ id: experiment!.id }));
      const stopped = await waitForStatus(slowClient, experiment!.id!, ['stopped'], 15_000);
      expect(stopped.state?.reason).toBe('Experiment stopped.');
      expect(stack.database.primaryRunning()).toBe(true);
    } finally {
      await slow.close();
    }
  }, 45_000);

  it('a stopped task is a killed replica that the deployment replaces; the action completes once it answers', async () => {
    const before = stack.backend.replicas().map((r) => r.restarts);
    const id = await start(templateFor({ kind: 'kill-replica' }));
    const done = await waitForStatus(client, id, ['completed', 'failed'], 30_000);
    expect(done.state).toEqual({ status: 'completed', reason: 'Experiment completed.' });
    const after = stack.backend.replicas().map((r) => r.restarts);
    // COUNT(1): exactly one of the two replicas was killed and restarted.
    expect(after.reduce((a, b) => a + b, 0) - before.reduce((a, b) => a + b, 0)).toBe(1);
    for (const replica of stack.backend.replicas())
      expect((await httpRequest(`${replica.url}/api/v1/health`)).status).toBe(200);
  }, 45_000);

  it("runs a team's own template unchanged when the stack config gives the parts their real names", async () => {
    const names = localNamesFrom({
      dbInstance: 'arn:aws:rds:eu-west-1:210987654321:db:chat-primary',
      ecsTasks: { tags: { service: 'chat-backend' } },
      endpoints: { database: 'chat-primary.abc.eu-west-1.rds.amazonaws.com' },
    });
    const theirs = await startFisEndpoint({
      executor: new LocalFisExecutor({ stack: () => stack, timeScale: 60, names }),
      timeScale: 60,
    });
    try {
      const theirClient = fisClient(theirs.url);
      const made = fisTemplateFor(
        {
          id: 'their-template',
          fault: { kind: 'proxy-toxic', proxy: 'database', type: 'latency', attributes: { latency: 250 } },
        },
        localFisConfig(names),
        { duration: 'PT1M' },
      );
      if (made.status !== 'template') throw new Error(JSON.stringify(made));
      expect(made.template.targets!['backend-tasks']!.resourceTags).toEqual({ service: 'chat-backend' });
      const { experimentTemplate } = await theirClient.send(
        new CreateExperimentTemplateCommand(made.template),
      );
      const { experiment } = await theirClient.send(
        new StartExperimentCommand({ experimentTemplateId: experimentTemplate!.id }),
      );
      await waitUntil(async () => (await toxics('postgres')).length === 1, {
        timeoutMs: 10_000,
        what: 'the toxic',
      });
      expect((await toxics('postgres'))[0]).toMatchObject({ attributes: { latency: 250 }, toxicity: 1 });
      await waitForStatus(theirClient, experiment!.id!, ['completed'], 10_000);
      expect(await toxics('postgres')).toEqual([]);
    } finally {
      await theirs.close();
    }
  }, 30_000);

  it('an action the local stacks do not model fails the experiment with a reason that says so', async () => {
    const id = await start({
      description: 'cpu',
      roleArn: LOCAL_ROLE_ARN,
      stopConditions: [{ source: 'none' }],
      targets: {
        tasks: {
          resourceType: 'aws:ecs:task',
          resourceTags: { 'gameday:component': 'chat-backend' },
          selectionMode: 'ALL',
        },
      },
      actions: {
        cpu: {
          actionId: 'aws:ecs:task-cpu-stress',
          parameters: { duration: 'PT1M' },
          targets: { Tasks: 'tasks' },
        },
      },
    });
    const failed = await waitForStatus(client, id, ['failed']);
    expect(failed.state?.reason).toMatch(
      /^Action cpu \(aws:ecs:task-cpu-stress\) failed: aws:ecs:task-cpu-stress is not carried out on gameday's local stacks/,
    );
  });

  it('registers each local fault in the run’s ledger before it acts, and settles it when undone', () => {
    const kinds = ledger.entries.map((e) => e.description.replace(/experiment EXP\w+/, 'experiment X'));
    expect(kinds).toContain(
      'FIS aws:network:disrupt-connectivity (experiment X, action freeze-primary): freeze the primary database (connections open, nothing answers)',
    );
    expect(kinds).toContain(
      'FIS aws:rds:reboot-db-instances (experiment X, action reboot-primary): stop the primary database (clean stop)',
    );
    expect(ledger.entries.length).toBeGreaterThanOrEqual(5);
    expect(ledger.active()).toEqual([]);
  });
});
