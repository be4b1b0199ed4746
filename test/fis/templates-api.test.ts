import {
  CreateExperimentTemplateCommand,
  DeleteExperimentTemplateCommand,
  GetActionCommand,
  GetExperimentTemplateCommand,
  GetTargetResourceTypeCommand,
  ListActionsCommand,
  ListExperimentTemplatesCommand,
  ListTagsForResourceCommand,
  ListTargetResourceTypesCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateExperimentTemplateCommand,
} from '@aws-sdk/client-fis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpRequest } from '../../src/core/http-client.ts';
import { FIS_ACTIONS } from '../../src/fis/action-catalogue.ts';
import { errorOf, latencyTemplate, ROLE, startTestEndpoint, TASK_ARN } from './fis-client.ts';

/**
 * Conformance of the template, action and tag operations, driven by @aws-sdk/client-fis 3.523.0 (as a
 * team's own code would drive FIS) and, for what the client hides (headers, raw bodies), by raw HTTP.
 */
let setup: Awaited<ReturnType<typeof startTestEndpoint>>;
beforeAll(async () => {
  setup = await startTestEndpoint();
});
afterAll(() => setup?.endpoint.close());

const create = (overrides = {}) =>
  setup.client.send(new CreateExperimentTemplateCommand(latencyTemplate(overrides)));

describe('the endpoint', () => {
  it('listens on 127.0.0.1 only', () => {
    expect(setup.endpoint.address).toMatchObject({ address: '127.0.0.1', family: 'IPv4' });
    expect(setup.endpoint.url).toBe(`http://127.0.0.1:${setup.endpoint.port}`);
  });

  it('answers errors as FIS does: the type in x-amzn-errortype, {message} in the body', async () => {
    const missing = await httpRequest<{ message: string }>(
      `${setup.endpoint.url}/experimentTemplates/EXTnone`,
    );
    expect(missing.status).toBe(404);
    expect(missing.headers['x-amzn-errortype']).toBe('ResourceNotFoundException');
    expect(missing.body).toEqual({ message: 'Experiment template EXTnone not found.' });
    const badJson = await httpRequest<{ message: string }>(`${setup.endpoint.url}/experimentTemplates`, {
      method: 'POST',
      body: Buffer.from('{"description":'),
      headers: { 'content-type': 'application/json' },
    });
    expect(badJson.status).toBe(400);
    expect(badJson.headers['x-amzn-errortype']).toBe('ValidationException');
    expect(badJson.body.message).toMatch(/^The request body is not valid JSON/);
    const unknown = await httpRequest(`${setup.endpoint.url}/safetyLevers/default`);
    expect(unknown.status).toBe(404);
    expect(unknown.headers['x-amzn-errortype']).toBe('UnknownOperationException');
  });
});

describe('experiment templates', () => {
  it('creates, gets, updates, lists and deletes a template with FIS shapes and Date times', async () => {
    const before = Date.now();
    const { experimentTemplate: created } = await create({ tags: { team: 'chat' } });
    expect(created).toMatchObject({
      id: expect.stringMatching(/^EXT[0-9A-Za-z]{14}$/),
      description: 'slow database link',
      roleArn: ROLE,
      stopConditions: [{ source: 'none' }],
      targets: { backend: { resourceType: 'aws:ecs:task', resourceArns: [TASK_ARN], selectionMode: 'ALL' } },
      actions: {
        latency: {
          actionId: 'aws:ecs:task-network-latency',
          parameters: { duration: 'PT5M', delayMilliseconds: '500' },
          targets: { Tasks: 'backend' },
        },
      },
      experimentOptions: { accountTargeting: 'single-account', emptyTargetResolutionMode: 'fail' },
      tags: { team: 'chat' },
    });
    expect(created?.creationTime).toBeInstanceOf(Date);
    expect(created!.creationTime!.getTime()).toBeGreaterThanOrEqual(before - 1);
    const id = created!.id!;
    expect((await setup.client.send(new GetExperimentTemplateCommand({ id }))).experimentTemplate).toEqual(
      created,
    );

    const { experimentTemplate: updated } = await setup.client.send(
      new UpdateExperimentTemplateCommand({
        id,
        description: 'slower database link',
        actions: {
          latency: {
            actionId: 'aws:ecs:task-network-latency',
            parameters: { duration: 'PT10M', delayMilliseconds: '900' },
            targets: { Tasks: 'backend' },
          },
        },
        experimentOptions: { emptyTargetResolutionMode: 'skip' },
      }),
    );
    expect(updated).toMatchObject({
      id,
      description: 'slower database link',
      actions: { latency: { parameters: { duration: 'PT10M', delayMilliseconds: '900' } } },
      targets: created!.targets,
      stopConditions: created!.stopConditions,
      experimentOptions: { emptyTargetResolutionMode: 'skip' },
      tags: { team: 'chat' },
    });
    expect(updated!.lastUpdateTime!.getTime()).toBeGreaterThanOrEqual(created!.lastUpdateTime!.getTime());

    const listed = await setup.client.send(new ListExperimentTemplatesCommand({}));
    // client-fis 3.523.0 predates the summaries' `arn`, so it drops the one the endpoint sends.
    expect(listed.experimentTemplates).toContainEqual({
      id,
      description: 'slower database link',
      creationTime: created!.creationTime,
      lastUpdateTime: updated!.lastUpdateTime,
      tags: { team: 'chat' },
    });

    const { experimentTemplate: deleted } = await setup.client.send(
      new DeleteExperimentTemplateCommand({ id }),
    );
    expect(deleted?.id).toBe(id);
    const gone = await errorOf(setup.client.send(new GetExperimentTemplateCommand({ id })));
    expect(gone.name).toBe('ResourceNotFoundException');
    expect(gone.message).toBe(`Experiment template ${id} not found.`);
    expect(gone.$metadata?.httpStatusCode).toBe(404);
    const again = await errorOf(setup.client.send(new DeleteExperimentTemplateCommand({ id })));
    expect(again.name).toBe('ResourceNotFoundException');
    const update = await errorOf(
      setup.client.send(new UpdateExperimentTemplateCommand({ id, description: 'x' })),
    );
    expect(update.name).toBe('ResourceNotFoundException');
  });

  it('pages templates with maxResults and nextToken, and refuses bad ones', async () => {
    const ids = new Set<string>();
    for (let i = 0; i < 5; i++) ids.add((await create({ description: `page ${i}` })).experimentTemplate!.id!);
    const seen: string[] = [];
    let nextToken: string | undefined;
    let pages = 0;
    do {
      const page = await setup.client.send(new ListExperimentTemplatesCommand({ maxResults: 2, nextToken }));
      expect(page.experimentTemplates!.length).toBeLessThanOrEqual(2);
      seen.push(...page.experimentTemplates!.map((t) => t.id!));
      nextToken = page.nextToken;
      pages++;
    } while (nextToken);
    expect(new Set(seen).size).toBe(seen.length);
    for (const id of ids) expect(seen).toContain(id);
    expect(pages).toBe(Math.ceil(seen.length / 2));

    for (const maxResults of [0, 101]) {
      const error = await errorOf(setup.client.send(new ListExperimentTemplatesCommand({ maxResults })));
      expect(error.name).toBe('ValidationException');
      expect(error.message).toBe(
        `1 validation error detected: Value '${maxResults}' at 'maxResults' failed to satisfy constraint: Member must have value between 1 and 100`,
      );
    }
    const token = await errorOf(
      setup.client.send(new ListExperimentTemplatesCommand({ nextToken: 'garbage' })),
    );
    expect(token.name).toBe('ValidationException');
    expect(token.message).toMatch(/nextToken is not valid/);
  });

  it('is idempotent on clientToken, and answers ConflictException when the token comes back with other input', async () => {
    const first = await create({ clientToken: 'gameday-token-1' });
    const replay = await create({ clientToken: 'gameday-token-1' });
    expect(replay.experimentTemplate?.id).toBe(first.experimentTemplate?.id);
    const conflict = await errorOf(create({ clientToken: 'gameday-token-1', description: 'something else' }));
    expect(conflict.name).toBe('ConflictException');
    expect(conflict.message).toBe(
      'The client token gameday-token-1 was already used with different parameters.',
    );
    expect(conflict.$metadata?.httpStatusCode).toBe(409);
  });

  it('tags and untags templates by ARN', async () => {
    const { experimentTemplate } = await create();
    const resourceArn = `arn:aws:fis:us-east-1:123456789012:experiment-template/${experimentTemplate!.id}`;
    await setup.client.send(new TagResourceCommand({ resourceArn, tags: { owner: 'sre', tier: '1' } }));
    await setup.client.send(new UntagResourceCommand({ resourceArn, tagKeys: ['tier'] }));
    expect((await setup.client.send(new ListTagsForResourceCommand({ resourceArn }))).tags).toEqual({
      owner: 'sre',
    });
    const missing = await errorOf(
      setup.client.send(
        new ListTagsForResourceCommand({ resourceArn: resourceArn.replace(/EXT\w+$/, 'EXTnope') }),
      ),
    );
    expect(missing.name).toBe('ResourceNotFoundException');
    const malformed = await errorOf(
      setup.client.send(new ListTagsForResourceCommand({ resourceArn: 'arn:aws:s3:::bucket-not-fis' })),
    );
    expect(malformed.name).toBe('ValidationException');
  });
});

describe('actions and target resource types', () => {
  it('lists the catalogue, a page at a time, with each action’s targets', async () => {
    const ids: string[] = [];
    let nextToken: string | undefined;
    do {
      const page = await setup.client.send(new ListActionsCommand({ maxResults: 4, nextToken }));
      ids.push(...page.actions!.map((a) => a.id!));
      nextToken = page.nextToken;
    } while (nextToken);
    expect(ids).toEqual(Object.keys(FIS_ACTIONS));
    const { actions } = await setup.client.send(new ListActionsCommand({}));
    expect(actions).toContainEqual({
      id: 'aws:rds:reboot-db-instances',
      arn: 'arn:aws:fis:us-east-1:123456789012:action/aws:rds:reboot-db-instances',
      description: 'Reboot the specified DB instances.',
      targets: { DBInstances: { resourceType: 'aws:rds:db' } },
      tags: {},
    });
  });

  it('describes one action with its parameters, and answers ResourceNotFoundException for others', async () => {
    const { action } = await setup.client.send(
      new GetActionCommand({ id: 'aws:network:disrupt-connectivity' }),
    );
    expect(action?.targets).toEqual({ Subnets: { resourceType: 'aws:ec2:subnet' } });
    expect(action?.parameters?.duration).toMatchObject({ required: true });
    expect(action?.parameters?.scope).toMatchObject({ required: true });
    expect(action?.parameters?.prefixListIdentifier?.required).toBeUndefined();
    const missing = await errorOf(setup.client.send(new GetActionCommand({ id: 'aws:ec2:explode' })));
    expect(missing.name).toBe('ResourceNotFoundException');
    expect(missing.message).toBe('Action aws:ec2:explode not found.');
  });

  it('lists target resource types and the parameters of aws:eks:pod', async () => {
    const { targetResourceTypes } = await setup.client.send(new ListTargetResourceTypesCommand({}));
    expect(targetResourceTypes?.map((t) => t.resourceType)).toContain('aws:eks:pod');
    const { targetResourceType } = await setup.client.send(
      new GetTargetResourceTypeCommand({ resourceType: 'aws:eks:pod' }),
    );
    expect(targetResourceType?.parameters?.namespace).toMatchObject({ required: true });
  });
});
