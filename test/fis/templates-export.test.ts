import { CreateExperimentTemplateCommand, StartExperimentCommand } from '@aws-sdk/client-fis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  FIS_PLACEHOLDER_CONFIG,
  type FisExportConfig,
  fisTemplateFor,
  type GamedayFault,
  NO_FIS_EQUIVALENT,
} from '../../src/fis/templates.ts';
import { ALARM, ROLE, startTestEndpoint, TASK_ARN, waitForStatus } from './fis-client.ts';

/** `gameday export fis`'s templates: each one is accepted by CreateExperimentTemplate and runs. */
let setup: Awaited<ReturnType<typeof startTestEndpoint>>;
beforeAll(async () => {
  setup = await startTestEndpoint({ timeScale: 6000 });
});
afterAll(() => setup?.endpoint.close());

const SUBNET = 'arn:aws:ec2:eu-west-1:123456789012:subnet/subnet-0123456789abcdef0';
const byArn: FisExportConfig = {
  roleArn: ROLE,
  targets: {
    dbInstance: 'arn:aws:rds:eu-west-1:123456789012:db:chat-primary',
    ecsTasks: { arns: [TASK_ARN], cluster: 'chat', service: 'backend' },
    subnets: { database: { arns: [SUBNET] }, replica: { arns: [SUBNET] }, backend: { arns: [SUBNET] } },
    endpoints: { database: '10.0.1.15', replica: '10.0.2.15', objectStore: 'S3' },
  },
  stopConditionAlarms: [ALARM],
};
const onEks: FisExportConfig = {
  roleArn: ROLE,
  targets: {
    dbCluster: 'arn:aws:rds:eu-west-1:123456789012:cluster:chat',
    eksPods: {
      clusterIdentifier: 'chat',
      namespace: 'prod',
      selectorType: 'labelSelector',
      selectorValue: 'app=chat-backend',
      kubernetesServiceAccount: 'fis-experiments',
    },
    endpoints: { database: 'chat.cluster-abcdefghijkl.eu-west-1.rds.amazonaws.com' },
  },
};

const faults: [string, GamedayFault | GamedayFault[], string[]][] = [
  ['database-outage', { kind: 'stop-primary', mode: 'fast' }, ['aws:rds:reboot-db-instances']],
  ['database-hang', { kind: 'freeze-primary' }, ['aws:network:disrupt-connectivity']],
  ['database-partition', { kind: 'partition-primary' }, ['aws:network:disrupt-connectivity']],
  ['dependency-down', { kind: 'proxy-down', proxy: 'objectStore' }, ['aws:network:disrupt-connectivity']],
  ['replica-down', { kind: 'proxy-down', proxy: 'replica' }, ['aws:network:disrupt-connectivity']],
  [
    'pool-exhausted',
    { kind: 'proxy-toxic', proxy: 'database', type: 'latency', attributes: { latency: 500, jitter: 100 } },
    ['aws:ecs:task-network-latency'],
  ],
  ['replica-kill', { kind: 'kill-replica' }, ['aws:ecs:stop-task']],
  [
    'two-faults',
    [
      { kind: 'kill-replica' },
      {
        kind: 'proxy-toxic',
        proxy: 'database',
        type: 'latency',
        toxicity: 0.5,
        attributes: { latency: 300 },
      },
    ],
    ['aws:ecs:stop-task', 'aws:ecs:task-network-latency'],
  ],
];

describe('fisTemplateFor', () => {
  for (const [name, config] of [
    ['placeholder', FIS_PLACEHOLDER_CONFIG],
    ['ARN', byArn],
  ] as const) {
    it.each(faults)(
      `maps %s (${name} config) onto a template CreateExperimentTemplate accepts`,
      async (id, fault, actionIds) => {
        const exported = fisTemplateFor({ id, fault }, config);
        if (exported.status !== 'template') throw new Error(JSON.stringify(exported));
        const { experimentTemplate } = await setup.client.send(
          new CreateExperimentTemplateCommand(exported.template),
        );
        expect(Object.values(experimentTemplate!.actions!).map((a) => a.actionId)).toEqual(actionIds);
        expect(experimentTemplate!.tags).toEqual({ 'gameday:scenario': id });
        expect(experimentTemplate!.stopConditions).toEqual(
          config.stopConditionAlarms
            ? [{ source: 'aws:cloudwatch:alarm', value: ALARM }]
            : [{ source: 'none' }],
        );
      },
    );
  }

  it('maps onto EKS pods and an Aurora cluster when the config says so', async () => {
    const mapped = Object.fromEntries(
      [
        { kind: 'stop-primary' },
        { kind: 'kill-replica' },
        { kind: 'proxy-toxic', proxy: 'database', type: 'latency', attributes: { latency: 200 } },
      ].map((fault) => {
        const exported = fisTemplateFor({ id: fault.kind, fault }, onEks);
        if (exported.status !== 'template') throw new Error(JSON.stringify(exported));
        return [fault.kind, exported.template];
      }),
    );
    for (const template of Object.values(mapped))
      await setup.client.send(new CreateExperimentTemplateCommand(template));
    expect(mapped['stop-primary']!.actions!['failover-primary']!.actionId).toBe(
      'aws:rds:failover-db-cluster',
    );
    expect(mapped['kill-replica']!.actions!['kill-replica']).toEqual({
      actionId: 'aws:eks:pod-delete',
      parameters: { kubernetesServiceAccount: 'fis-experiments' },
      targets: { Pods: 'backend-pods' },
    });
    expect(mapped['kill-replica']!.targets!['backend-pods']!.selectionMode).toBe('COUNT(1)');
    expect(mapped['proxy-toxic']!.actions!['slow-database-link']!.parameters).toEqual({
      duration: 'PT10M',
      delayMilliseconds: '200',
      jitterMilliseconds: '0',
      sources: 'chat.cluster-abcdefghijkl.eu-west-1.rds.amazonaws.com',
      kubernetesServiceAccount: 'fis-experiments',
    });
  });

  it('carries toxicity as flowsPercent and the scenario duration, and the template runs to completion', async () => {
    const exported = fisTemplateFor(
      {
        id: 'duplicate-messages',
        fault: {
          kind: 'proxy-toxic',
          proxy: 'database',
          type: 'latency',
          toxicity: 0.25,
          attributes: { latency: 500, jitter: 400 },
        },
      },
      byArn,
      { duration: 'PT15M' },
    );
    if (exported.status !== 'template') throw new Error(JSON.stringify(exported));
    expect(exported.template.actions!['slow-database-link']!.parameters).toEqual({
      duration: 'PT15M',
      delayMilliseconds: '500',
      jitterMilliseconds: '400',
      sources: '10.0.1.15',
      flowsPercent: '25',
    });
    const { experimentTemplate } = await setup.client.send(
      new CreateExperimentTemplateCommand(exported.template),
    );
    const { experiment } = await setup.client.send(
      new StartExperimentCommand({ experimentTemplateId: experimentTemplate!.id }),
    );
    await waitForStatus(setup.client, experiment!.id!, ['completed']);
    expect(setup.executor.of('start', 'slow-database-link')[0]?.start?.targets).toEqual({
      Tasks: [TASK_ARN],
    });
  });

  it.each(Object.keys(NO_FIS_EQUIVALENT))('says %s has no FIS equivalent', (kind) => {
    expect(fisTemplateFor({ id: 'x', fault: { kind } }, byArn)).toEqual({
      status: 'no-equivalent',
      reason: `${kind}: ${NO_FIS_EQUIVALENT[kind]}`,
    });
  });

  it('says a toxic other than latency has no equivalent, and so has a scenario with such a fault among others', () => {
    const timeout = { kind: 'proxy-toxic', proxy: 'database', type: 'timeout', attributes: { timeout: 0 } };
    expect(fisTemplateFor({ id: 'x', fault: [{ kind: 'kill-replica' }, timeout] }, byArn)).toEqual({
      status: 'no-equivalent',
      reason: "proxy-toxic: FIS has no equivalent of Toxiproxy's timeout toxic (only latency maps)",
    });
  });

  it('lists what the config lacks, every item at once', () => {
    const bare: FisExportConfig = { roleArn: '', targets: {}, stopConditionAlarms: Array(6).fill(ALARM) };
    const result = fisTemplateFor(
      {
        id: 'x',
        fault: [
          { kind: 'stop-primary' },
          { kind: 'freeze-primary' },
          { kind: 'proxy-toxic', proxy: 'replica', type: 'latency', attributes: { latency: 100 } },
          { kind: 'kill-replica' },
        ],
      },
      bare,
      { duration: 'PT30S' },
    );
    expect(result).toEqual({
      status: 'needs-config',
      problems: [
        'duration PT30S: expected an ISO 8601 duration from PT1M to PT12H',
        'roleArn: the IAM role FIS assumes is missing',
        'stopConditionAlarms: FIS takes at most 5 (6 given)',
        'stop-primary: set targets.dbInstance (RDS) or targets.dbCluster (Aurora): the primary database',
        'freeze-primary: set targets.subnets.database (arns or tags)',
        'proxy-toxic: set targets.endpoints.replica: the host the backend reaches it at',
        "proxy-toxic: set targets.ecsTasks or targets.eksPods: the backend's replicas",
        "kill-replica: set targets.ecsTasks or targets.eksPods: the backend's replicas",
      ],
    });
  });
});
