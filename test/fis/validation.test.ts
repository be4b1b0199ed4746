import {
  CreateExperimentTemplateCommand,
  type CreateExperimentTemplateCommandInput,
  GetExperimentTemplateCommand,
  UpdateExperimentTemplateCommand,
} from '@aws-sdk/client-fis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { templateProblems } from '../../src/fis/validate-template.ts';
import { ALARM, errorOf, latencyTemplate, startTestEndpoint, TASK_ARN } from './fis-client.ts';

/** Every way a template is refused, as the real client sees it: ValidationException and FIS's message. */
let setup: Awaited<ReturnType<typeof startTestEndpoint>>;
beforeAll(async () => {
  setup = await startTestEndpoint();
});
afterAll(() => setup?.endpoint.close());

const latency = (change: Record<string, unknown>) => ({
  latency: {
    actionId: 'aws:ecs:task-network-latency',
    parameters: { duration: 'PT5M' },
    targets: { Tasks: 'backend' },
    ...change,
  },
});
const backend = (change: Record<string, unknown>) => ({
  backend: { resourceType: 'aws:ecs:task', resourceArns: [TASK_ARN], selectionMode: 'ALL', ...change },
});
const INSTANCE = 'arn:aws:ec2:eu-west-1:123456789012:instance/i-0123456789abcdef0';
const pods = (parameters: Record<string, string>) => ({
  pods: { resourceType: 'aws:eks:pod', selectionMode: 'ALL', parameters },
});
const podDelete = {
  kill: {
    actionId: 'aws:eks:pod-delete',
    parameters: { kubernetesServiceAccount: 'fis' },
    targets: { Pods: 'pods' },
  },
};

const cases: [string, Partial<CreateExperimentTemplateCommandInput>, string | RegExp][] = [
  [
    'an unknown action id',
    { actions: latency({ actionId: 'aws:ecs:task-network-lag' }) },
    'Action latency: aws:ecs:task-network-lag is not a FIS action (ListActions lists them).',
  ],
  [
    "an action id that is a property of every JavaScript object ('constructor')",
    { actions: latency({ actionId: 'constructor' }) },
    'Action latency: constructor is not a FIS action (ListActions lists them).',
  ],
  [
    "a parameter named 'toString'",
    {
      actions: latency({ parameters: { duration: 'PT5M', toString: '1' } }),
    },
    'Action latency: aws:ecs:task-network-latency takes no parameter toString.',
  ],
  [
    "a target key named 'valueOf'",
    { actions: latency({ targets: { Tasks: 'backend', valueOf: 'backend' } }) },
    'Action latency: aws:ecs:task-network-latency takes no target key valueOf (it takes Tasks).',
  ],
  [
    "a resource type named 'hasOwnProperty'",
    { targets: backend({ resourceType: 'hasOwnProperty' }) },
    'Target backend: resource type hasOwnProperty is not supported (ListTargetResourceTypes lists them).',
  ],
  [
    'a missing required parameter',
    { actions: latency({ parameters: { delayMilliseconds: '500' } }) },
    'Action latency: aws:ecs:task-network-latency requires parameter duration.',
  ],
  [
    'an unknown parameter',
    { actions: latency({ parameters: { duration: 'PT5M', delay: '500' } }) },
    'Action latency: aws:ecs:task-network-latency takes no parameter delay.',
  ],
  [
    'a target key the action does not take',
    { actions: latency({ targets: { Tasks: 'backend', Instances: 'backend' } }) },
    'Action latency: aws:ecs:task-network-latency takes no target key Instances (it takes Tasks).',
  ],
  [
    'a target key on aws:fis:wait',
    {
      actions: {
        wait: { actionId: 'aws:fis:wait', parameters: { duration: 'PT1M' }, targets: { Tasks: 'backend' } },
      },
    },
    'Action wait: aws:fis:wait takes no target key Tasks (it takes no targets).',
  ],
  [
    'a missing target key',
    { actions: latency({ targets: {} }) },
    'Action latency: aws:ecs:task-network-latency requires target key Tasks.',
  ],
  [
    'a target key naming no target',
    { actions: latency({ targets: { Tasks: 'frontend' } }) },
    'Action latency: target key Tasks names frontend, which is not a target of this template.',
  ],
  [
    "a target whose resource type is not the action's",
    { targets: backend({ resourceType: 'aws:ec2:instance', resourceArns: [INSTANCE] }) },
    'Action latency: target backend is of resource type aws:ec2:instance, but aws:ecs:task-network-latency takes aws:ecs:task for Tasks.',
  ],
  [
    'a duration under PT1M',
    { actions: latency({ parameters: { duration: 'PT30S' } }) },
    "Action latency: duration PT30S is outside FIS's bounds (PT1M to PT12H).",
  ],
  [
    'a duration over PT12H',
    { actions: latency({ parameters: { duration: 'PT12H1M' } }) },
    "Action latency: duration PT12H1M is outside FIS's bounds (PT1M to PT12H).",
  ],
  [
    'a duration that is not ISO 8601',
    { actions: latency({ parameters: { duration: '5m' } }) },
    'Action latency: duration 5m is not an ISO 8601 duration (e.g. PT5M).',
  ],
  ...['SOME', 'COUNT(0)', 'PERCENT(101)', 'count(1)', 'COUNT(-1)', 'PERCENT(50%)'].map(
    (mode): [string, Partial<CreateExperimentTemplateCommandInput>, string] => [
      `selection mode ${mode}`,
      { targets: backend({ selectionMode: mode }) },
      `Target backend: selection mode ${mode} is not ALL, COUNT(n) or PERCENT(n).`,
    ],
  ),
  [
    'no stop condition',
    { stopConditions: [] },
    'Give at least one stop condition ({"source": "none"} for none).',
  ],
  [
    'an alarm stop condition without its ARN',
    { stopConditions: [{ source: 'aws:cloudwatch:alarm' }] },
    "Stop condition 1: aws:cloudwatch:alarm needs value, the alarm's ARN.",
  ],
  [
    'an alarm stop condition whose value is not an alarm ARN',
    {
      stopConditions: [{ source: 'aws:cloudwatch:alarm', value: 'arn:aws:sns:eu-west-1:123456789012:pager' }],
    },
    'Stop condition 1: arn:aws:sns:eu-west-1:123456789012:pager is not the ARN of a CloudWatch alarm.',
  ],
  [
    'a stop condition source FIS does not have',
    { stopConditions: [{ source: 'none' }, { source: 'datadog:monitor', value: ALARM }] },
    'Stop condition 2: source datadog:monitor is not none or aws:cloudwatch:alarm.',
  ],
  [
    'no role',
    { roleArn: undefined },
    "1 validation error detected: Value null at 'roleArn' failed to satisfy constraint: Member must not be null",
  ],
  [
    'a role ARN that is too short',
    { roleArn: 'arn:aws:iam::1:r' },
    "1 validation error detected: Value 'arn:aws:iam::1:r' at 'roleArn' failed to satisfy constraint: Member must have length greater than or equal to 20",
  ],
  [
    'an unknown resource type',
    { targets: backend({ resourceType: 'aws:ecs:tasks' }) },
    'Target backend: resource type aws:ecs:tasks is not supported (ListTargetResourceTypes lists them).',
  ],
  [
    'both ARNs and tags',
    { targets: backend({ resourceTags: { app: 'chat' } }) },
    'Target backend: give resourceArns or resourceTags, not both.',
  ],
  [
    'neither ARNs, tags, filters nor parameters',
    { targets: backend({ resourceArns: undefined }) },
    'Target backend: give resourceArns, resourceTags, filters or parameters to find its resources.',
  ],
  [
    'more than 5 ARNs',
    { targets: backend({ resourceArns: Array.from({ length: 6 }, (_, i) => `${TASK_ARN}${i}`) }) },
    /^1 validation error detected: Value .* at 'targets\.backend\.resourceArns' failed to satisfy constraint: Member must have length between 1 and 5$/,
  ],
  [
    'an unknown target parameter',
    { targets: backend({ parameters: { cluster: 'chat', region: 'eu-west-1' } }) },
    'Target backend: resource type aws:ecs:task takes no parameter region.',
  ],
  [
    'pods by ARN',
    {
      targets: { pods: { resourceType: 'aws:eks:pod', selectionMode: 'ALL', resourceArns: [TASK_ARN] } },
      actions: podDelete,
    },
    'Target pods: aws:eks:pod targets are found by parameters, not by ARNs, tags or filters.',
  ],
  [
    'pods without a required parameter',
    {
      targets: pods({ clusterIdentifier: 'chat', selectorType: 'labelSelector', selectorValue: 'app=chat' }),
      actions: podDelete,
    },
    'Target pods: resource type aws:eks:pod requires parameter namespace.',
  ],
  [
    'startAfter naming no action',
    { actions: latency({ startAfter: ['warm-up'] }) },
    'Action latency: startAfter names warm-up, which is not another action of this template.',
  ],
  [
    'startAfter naming itself',
    { actions: latency({ startAfter: ['latency'] }) },
    'Action latency: startAfter names latency, which is not another action of this template.',
  ],
  [
    'a startAfter cycle',
    {
      actions: {
        a: { actionId: 'aws:fis:wait', parameters: { duration: 'PT1M' }, startAfter: ['b'] },
        b: { actionId: 'aws:fis:wait', parameters: { duration: 'PT1M' }, startAfter: ['a'] },
      },
    },
    'Actions a → b → a: startAfter forms a cycle.',
  ],
  ['no action', { actions: {} }, 'An experiment template needs at least one action.'],
];

describe('CreateExperimentTemplate refuses', () => {
  it.each(cases)('%s', async (_, overrides, message) => {
    const error = await errorOf(
      setup.client.send(new CreateExperimentTemplateCommand(latencyTemplate(overrides))),
    );
    expect(error.name).toBe('ValidationException');
    expect(error.$metadata?.httpStatusCode).toBe(400);
    if (typeof message === 'string') expect(error.message).toBe(message);
    else expect(error.message).toMatch(message);
  });

  it('more than 20 actions with ServiceQuotaExceededException (402)', async () => {
    const actions = Object.fromEntries(
      Array.from({ length: 21 }, (_, i) => [
        `wait${i}`,
        { actionId: 'aws:fis:wait', parameters: { duration: 'PT1M' } },
      ]),
    );
    const error = await errorOf(
      setup.client.send(new CreateExperimentTemplateCommand(latencyTemplate({ actions }))),
    );
    expect(error.name).toBe('ServiceQuotaExceededException');
    expect(error.message).toBe('An experiment template can have at most 20 actions.');
    expect(error.$metadata?.httpStatusCode).toBe(402);
  });
});

describe('CreateExperimentTemplate accepts', () => {
  it('ISO durations at the bounds, COUNT and PERCENT selection, alarm stop conditions, pods by parameters', async () => {
    const template = latencyTemplate({
      targets: {
        ...backend({ selectionMode: 'PERCENT(50)' }),
        ...pods({
          clusterIdentifier: 'chat',
          namespace: 'prod',
          selectorType: 'labelSelector',
          selectorValue: 'app=chat',
        }),
        tagged: { resourceType: 'aws:ecs:task', resourceTags: { app: 'chat' }, selectionMode: 'COUNT(1)' },
      },
      actions: {
        ...latency({ parameters: { duration: 'PT12H' } }),
        wait: { actionId: 'aws:fis:wait', parameters: { duration: 'PT1M' } },
        kill: { ...podDelete.kill, startAfter: ['wait'] },
        stop: { actionId: 'aws:ecs:stop-task', targets: { Tasks: 'tagged' }, startAfter: ['wait', 'kill'] },
      },
      stopConditions: [{ source: 'aws:cloudwatch:alarm', value: ALARM }],
    });
    const { experimentTemplate } = await setup.client.send(new CreateExperimentTemplateCommand(template));
    expect(Object.keys(experimentTemplate?.actions ?? {})).toEqual(['latency', 'wait', 'kill', 'stop']);
  });
});

describe('UpdateExperimentTemplate', () => {
  it('checks the template as updated, and leaves it unchanged when refused', async () => {
    const { experimentTemplate } = await setup.client.send(
      new CreateExperimentTemplateCommand(latencyTemplate()),
    );
    const id = experimentTemplate!.id!;
    const removeTarget = await errorOf(
      setup.client.send(new UpdateExperimentTemplateCommand({ id, targets: {} })),
    );
    expect(removeTarget.name).toBe('ValidationException');
    expect(removeTarget.message).toBe(
      'Action latency: target key Tasks names backend, which is not a target of this template.',
    );
    const shortWait = await errorOf(
      setup.client.send(
        new UpdateExperimentTemplateCommand({ id, actions: latency({ parameters: { duration: 'PT59S' } }) }),
      ),
    );
    expect(shortWait.message).toBe("Action latency: duration PT59S is outside FIS's bounds (PT1M to PT12H).");
    const after = await setup.client.send(new GetExperimentTemplateCommand({ id }));
    expect(after.experimentTemplate).toEqual(experimentTemplate);
  });
});

describe('templateProblems', () => {
  it('lists every problem at once, for gameday to report them all before anything starts', () => {
    const problems = templateProblems({
      ...latencyTemplate({ roleArn: undefined, stopConditions: [] }),
      actions: latency({ actionId: 'aws:ecs:task-network-lag' }),
      targets: backend({ selectionMode: 'SOME' }),
    });
    expect(problems.map((p) => p.message)).toEqual([
      "1 validation error detected: Value null at 'roleArn' failed to satisfy constraint: Member must not be null",
      'Target backend: selection mode SOME is not ALL, COUNT(n) or PERCENT(n).',
      'Action latency: aws:ecs:task-network-lag is not a FIS action (ListActions lists them).',
      'Give at least one stop condition ({"source": "none"} for none).',
    ]);
  });
});
