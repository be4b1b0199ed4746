import {
  type CreateExperimentTemplateCommandInput,
  type Experiment,
  FisClient,
  GetExperimentCommand,
} from '@aws-sdk/client-fis';
import { waitUntil } from '../../src/core/wait.ts';
import { type FisEndpointOptions, startFisEndpoint } from '../../src/fis/fis-api.ts';
import { FakeExecutor } from './fake-executor.ts';

/** The real AWS SDK client, pointed at a local endpoint with made-up credentials. */
export const fisClient = (url: string) =>
  new FisClient({
    endpoint: url,
    region: 'eu-west-1',
    credentials: { accessKeyId: 'AKIAGAMEDAYTEST', secretAccessKey: 'not-a-secret' },
    maxAttempts: 1,
  });

export const ROLE = 'arn:aws:iam::123456789012:role/gameday-fis';
export const ALARM = 'arn:aws:cloudwatch:eu-west-1:123456789012:alarm:chat-sends-failing';
export const TASK_ARN = 'arn:aws:ecs:eu-west-1:123456789012:task/chat/0123456789abcdef';

/** A valid template (latency on ECS tasks for `duration`), with parts replaced by `overrides`. */
export function latencyTemplate(
  overrides: Partial<CreateExperimentTemplateCommandInput> = {},
  duration = 'PT5M',
): CreateExperimentTemplateCommandInput {
  return {
    description: 'slow database link',
    roleArn: ROLE,
    stopConditions: [{ source: 'none' }],
    targets: { backend: { resourceType: 'aws:ecs:task', resourceArns: [TASK_ARN], selectionMode: 'ALL' } },
    actions: {
      latency: {
        actionId: 'aws:ecs:task-network-latency',
        parameters: { duration, delayMilliseconds: '500' },
        targets: { Tasks: 'backend' },
      },
    },
    ...overrides,
  };
}

/** Polls GetExperiment until the experiment is in one of `statuses`. */
export function waitForStatus(client: FisClient, id: string, statuses: string[], timeoutMs = 5_000) {
  return waitUntil<Experiment>(
    async () => {
      const { experiment } = await client.send(new GetExperimentCommand({ id }));
      return statuses.includes(experiment?.state?.status ?? '') ? experiment : undefined;
    },
    { timeoutMs, intervalMs: 10, what: `experiment ${id} to be ${statuses.join(' or ')}` },
  );
}

/** An endpoint on a fake executor, with a client for it; `close` stops it. */
export async function startTestEndpoint(options: Partial<FisEndpointOptions> = {}) {
  const executor = new FakeExecutor();
  const endpoint = await startFisEndpoint({ executor, ...options });
  return { executor, endpoint, client: fisClient(endpoint.url) };
}

/** The error a client call rejects with (fails the test if it resolves). */
export async function errorOf(
  promise: Promise<unknown>,
): Promise<Error & { $metadata?: { httpStatusCode?: number } }> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the call to be rejected');
}
