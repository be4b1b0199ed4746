import {
  CreateExperimentTemplateCommand,
  type CreateExperimentTemplateCommandInput,
  DeleteExperimentTemplateCommand,
  GetExperimentCommand,
  ListExperimentResolvedTargetsCommand,
  ListExperimentsCommand,
  StartExperimentCommand,
  StopExperimentCommand,
} from '@aws-sdk/client-fis';
import { afterEach, describe, expect, it } from 'vitest';
import { httpRequest } from '../../src/core/http-client.ts';
import { ALARM, errorOf, latencyTemplate, startTestEndpoint, TASK_ARN, waitForStatus } from './fis-client.ts';

/**
 * FIS's state machine through the real client: experiments run their actions on the fake executor in
 * startAfter order and undo each at the end of its duration, on StopExperiment, on a stop condition
 * or when the experiment fails. Time scale 600: PT1M lasts 100 ms.
 */
let setup: Awaited<ReturnType<typeof startTestEndpoint>>;
afterEach(() => setup?.endpoint.close());

/** Creates the template and starts an experiment from it, on the endpoint `fresh` made. */
async function start(template: CreateExperimentTemplateCommandInput) {
  const { experimentTemplate } = await setup.client.send(new CreateExperimentTemplateCommand(template));
  const { experiment } = await setup.client.send(
    new StartExperimentCommand({ experimentTemplateId: experimentTemplate!.id }),
  );
  return experiment!;
}

async function fresh(options = {}) {
  setup = await startTestEndpoint({ timeScale: 600, ...options });
  return setup;
}

const stopTask = (startAfter?: string[]) => ({
  actionId: 'aws:ecs:stop-task',
  targets: { Tasks: 'backend' },
  ...(startAfter ? { startAfter } : {}),
});
const latencyAction = (duration: string, startAfter?: string[]) => ({
  actionId: 'aws:ecs:task-network-latency',
  parameters: { duration, delayMilliseconds: '500' },
  targets: { Tasks: 'backend' },
  ...(startAfter ? { startAfter } : {}),
});

describe('an experiment', () => {
  it('goes initiating → running → completed, and its action is undone at the end of its duration', async () => {
    const { client, executor } = await fresh();
    const started = await start(latencyTemplate({}, 'PT5M'));
    expect(started.id).toMatch(/^EXP[0-9A-Za-z]{16}$/);
    expect(started.state).toEqual({ status: 'initiating', reason: 'Experiment is initiating.' });
    expect(started.actions?.latency?.state).toEqual({ status: 'pending', reason: 'Initial state' });
    expect(started.startTime).toBeInstanceOf(Date);

    const running = await waitForStatus(client, started.id!, ['running']);
    expect(running.state?.reason).toBe('Experiment is running.');
    expect(executor.of('undo')).toHaveLength(0);
    const completed = await waitForStatus(client, started.id!, ['completed']);
    expect(completed.state).toEqual({ status: 'completed', reason: 'Experiment completed.' });
    expect(completed.actions?.latency?.state).toEqual({
      status: 'completed',
      reason: 'Action was completed.',
    });
    expect(completed.endTime).toBeInstanceOf(Date);

    const [resolve] = executor.of('resolve');
    const [begin] = executor.of('start');
    const [undo] = executor.of('undo');
    expect(resolve?.name).toBe('backend');
    expect(begin?.start).toEqual({
      experimentId: started.id,
      actionName: 'latency',
      actionId: 'aws:ecs:task-network-latency',
      parameters: { duration: 'PT5M', delayMilliseconds: '500' },
      targets: { Tasks: [TASK_ARN] },
      durationMs: 500,
    });
    // PT5M at time scale 600: half a second of wall time.
    expect(undo!.at - begin!.at).toBeGreaterThanOrEqual(490);
    const elapsed =
      completed.actions!.latency!.endTime!.getTime() - completed.actions!.latency!.startTime!.getTime();
    expect(elapsed).toBeGreaterThanOrEqual(490);
  });

  it('stops on StopExperiment: stopping, then stopped, with the action undone once', async () => {
    const { client, executor } = await fresh();
    const { id } = await start(latencyTemplate({}, 'PT12H'));
    await waitForStatus(client, id!, ['running']);
    const { experiment } = await client.send(new StopExperimentCommand({ id }));
    expect(experiment?.state).toEqual({ status: 'stopping', reason: 'Stopping Experiment.' });
    const stopped = await waitForStatus(client, id!, ['stopped']);
    expect(stopped.state).toEqual({ status: 'stopped', reason: 'Experiment stopped.' });
    expect(stopped.actions?.latency?.state).toEqual({ status: 'stopped', reason: 'Action was stopped.' });
    expect(executor.of('undo', 'latency')).toHaveLength(1);
    // A finished experiment is answered as it is.
    const again = await client.send(new StopExperimentCommand({ id }));
    expect(again.experiment?.state?.status).toBe('stopped');
    expect(executor.of('undo')).toHaveLength(1);
  });

  it('starts each action after the ones its startAfter names have completed', async () => {
    const { client, executor } = await fresh();
    const { id } = await start(
      latencyTemplate({
        actions: {
          third: latencyAction('PT1M', ['second']),
          second: stopTask(['first']),
          first: latencyAction('PT1M'),
        },
      }),
    );
    await waitForStatus(client, id!, ['completed']);
    const order = executor.events.filter((e) => e.what !== 'resolve').map((e) => `${e.what} ${e.name}`);
    expect(order).toEqual([
      'start first',
      'undo first',
      'start second',
      'undo second',
      'start third',
      'undo third',
    ]);
  });

  it('waits with aws:fis:wait, without calling the executor', async () => {
    const { client, executor } = await fresh();
    const { id } = await start(
      latencyTemplate({
        actions: {
          wait: { actionId: 'aws:fis:wait', parameters: { duration: 'PT2M' } },
          stop: stopTask(['wait']),
        },
      }),
    );
    const done = await waitForStatus(client, id!, ['completed']);
    expect(executor.of('start').map((e) => e.name)).toEqual(['stop']);
    const waited = done.actions!.wait!.endTime!.getTime() - done.actions!.wait!.startTime!.getTime();
    expect(waited).toBeGreaterThanOrEqual(190);
    expect(done.actions!.stop!.startTime!.getTime()).toBeGreaterThanOrEqual(
      done.actions!.wait!.endTime!.getTime(),
    );
  });

  it('undoes an instant action (stop-task) as soon as it is done', async () => {
    const { client, executor } = await fresh();
    const { id } = await start(latencyTemplate({ actions: { stop: stopTask() } }));
    const done = await waitForStatus(client, id!, ['completed']);
    expect(done.actions?.stop?.state?.status).toBe('completed');
    expect(executor.of('start', 'stop')[0]?.start?.durationMs).toBeUndefined();
    expect(executor.of('undo', 'stop')).toHaveLength(1);
  });

  it('fails with a reason when a target resolves to no resources, and starts nothing', async () => {
    const { client, executor } = await fresh();
    executor.resources.set('backend', []);
    const { id } = await start(latencyTemplate());
    const failed = await waitForStatus(client, id!, ['failed']);
    expect(failed.state).toEqual({ status: 'failed', reason: 'Target backend resolved to no resources.' });
    expect(failed.actions?.latency?.state).toEqual({
      status: 'failed',
      reason: 'Target backend resolved to no resources.',
    });
    expect(executor.of('start')).toHaveLength(0);
  });

  it('skips the actions of an empty target instead with emptyTargetResolutionMode skip', async () => {
    const { client, executor } = await fresh();
    executor.resources.set('backend', []);
    const { id } = await start(latencyTemplate({ experimentOptions: { emptyTargetResolutionMode: 'skip' } }));
    const done = await waitForStatus(client, id!, ['completed']);
    expect(done.actions?.latency?.state?.status).toBe('skipped');
    expect(executor.of('start')).toHaveLength(0);
  });

  it('fails when an action fails, with its error as the reason, and undoes the others', async () => {
    const { client, executor } = await fresh();
    executor.failStart.set('kill', 'ECS refused StopTask: AccessDenied');
    const { id } = await start(
      latencyTemplate({
        actions: {
          latency: latencyAction('PT12H'),
          wait: { actionId: 'aws:fis:wait', parameters: { duration: 'PT1M' } },
          kill: stopTask(['wait']),
          after: stopTask(['kill']),
        },
      }),
    );
    const failed = await waitForStatus(client, id!, ['failed']);
    expect(failed.state).toEqual({
      status: 'failed',
      reason: 'Action kill (aws:ecs:stop-task) failed: ECS refused StopTask: AccessDenied',
    });
    expect(failed.actions?.kill?.state).toEqual({
      status: 'failed',
      reason: 'ECS refused StopTask: AccessDenied',
    });
    expect(failed.actions?.latency?.state?.status).toBe('stopped');
    expect(failed.actions?.after?.state?.status).toBe('cancelled');
    expect(executor.of('undo', 'latency')).toHaveLength(1);
    expect(executor.of('start', 'after')).toHaveLength(0);
  });

  it('fails when an undo fails at the end of the action', async () => {
    const { client, executor } = await fresh();
    executor.failUndo.set('latency', 'toxic still on the link');
    const { id } = await start(latencyTemplate({}, 'PT1M'));
    const failed = await waitForStatus(client, id!, ['failed']);
    expect(failed.state?.reason).toBe(
      'Action latency (aws:ecs:task-network-latency) failed: toxic still on the link',
    );
  });

  it('applies COUNT(n) and PERCENT(n) to what a target resolves to, as ListExperimentResolvedTargets shows', async () => {
    const { client, executor } = await fresh();
    const tasks = Array.from({ length: 5 }, (_, i) => `${TASK_ARN}${i}`);
    executor.resources.set('some', tasks);
    executor.resources.set('half', tasks);
    const { id } = await start(
      latencyTemplate({
        targets: {
          some: { resourceType: 'aws:ecs:task', resourceTags: { app: 'chat' }, selectionMode: 'COUNT(2)' },
          half: { resourceType: 'aws:ecs:task', resourceTags: { app: 'chat' }, selectionMode: 'PERCENT(50)' },
        },
        actions: {
          stopSome: { actionId: 'aws:ecs:stop-task', targets: { Tasks: 'some' } },
          stopHalf: { actionId: 'aws:ecs:stop-task', targets: { Tasks: 'half' } },
        },
      }),
    );
    await waitForStatus(client, id!, ['completed']);
    const some = executor.of('start', 'stopSome')[0]!.start!.targets.Tasks!;
    const half = executor.of('start', 'stopHalf')[0]!.start!.targets.Tasks!;
    expect(some).toHaveLength(2);
    expect(half).toHaveLength(3);
    for (const task of [...some, ...half]) expect(tasks).toContain(task);
    const { resolvedTargets } = await client.send(
      new ListExperimentResolvedTargetsCommand({ experimentId: id, targetName: 'some' }),
    );
    expect(resolvedTargets?.map((t) => t.targetInformation?.identifier).sort()).toEqual([...some].sort());
    expect(resolvedTargets?.[0]).toMatchObject({ resourceType: 'aws:ecs:task', targetName: 'some' });
  });
});

describe('stop conditions', () => {
  it('stop the experiments whose alarm goes into ALARM, and only those', async () => {
    const { client, executor, endpoint } = await fresh();
    const guarded = await start(
      latencyTemplate({ stopConditions: [{ source: 'aws:cloudwatch:alarm', value: ALARM }] }, 'PT12H'),
    );
    const other = await start(latencyTemplate({}, 'PT12H'));
    await waitForStatus(client, guarded.id!, ['running']);
    await waitForStatus(client, other.id!, ['running']);
    endpoint.alarmState(ALARM, 'OK');
    endpoint.alarmState(ALARM, 'ALARM');
    const halted = await waitForStatus(client, guarded.id!, ['stopped']);
    expect(halted.state).toEqual({ status: 'stopped', reason: 'Experiment halted by stop condition.' });
    expect(executor.of('undo')).toHaveLength(1);
    expect((await client.send(new GetExperimentCommand({ id: other.id }))).experiment?.state?.status).toBe(
      'running',
    );
  });

  it('stop an experiment started while its alarm is in ALARM before any action runs', async () => {
    const { client, executor, endpoint } = await fresh();
    endpoint.alarmState(ALARM, 'ALARM');
    const { id } = await start(
      latencyTemplate({ stopConditions: [{ source: 'aws:cloudwatch:alarm', value: ALARM }] }),
    );
    const halted = await waitForStatus(client, id!, ['stopped']);
    expect(halted.state?.reason).toBe('Experiment halted by stop condition.');
    expect(halted.actions?.latency?.state?.status).toBe('cancelled');
    expect(executor.events).toHaveLength(0);
  });
});

describe('StartExperiment', () => {
  it('answers ResourceNotFoundException for a template deleted since, and the running experiment goes on', async () => {
    const { client } = await fresh();
    const { experimentTemplate } = await client.send(
      new CreateExperimentTemplateCommand(latencyTemplate({}, 'PT12H')),
    );
    const templateId = experimentTemplate!.id!;
    const { experiment } = await client.send(
      new StartExperimentCommand({ experimentTemplateId: templateId }),
    );
    await client.send(new DeleteExperimentTemplateCommand({ id: templateId }));
    const error = await errorOf(
      client.send(new StartExperimentCommand({ experimentTemplateId: templateId })),
    );
    expect(error.name).toBe('ResourceNotFoundException');
    expect(error.message).toBe(`Experiment template ${templateId} not found.`);
    expect((await waitForStatus(client, experiment!.id!, ['running'])).experimentTemplateId).toBe(templateId);
  });

  it('is idempotent on clientToken and answers ConflictException for the token on another template', async () => {
    const { client } = await fresh();
    const a = (await client.send(new CreateExperimentTemplateCommand(latencyTemplate()))).experimentTemplate!
      .id;
    const b = (await client.send(new CreateExperimentTemplateCommand(latencyTemplate()))).experimentTemplate!
      .id;
    const first = await client.send(
      new StartExperimentCommand({ experimentTemplateId: a, clientToken: 'run-1' }),
    );
    const replay = await client.send(
      new StartExperimentCommand({ experimentTemplateId: a, clientToken: 'run-1' }),
    );
    expect(replay.experiment?.id).toBe(first.experiment?.id);
    const conflict = await errorOf(
      client.send(new StartExperimentCommand({ experimentTemplateId: b, clientToken: 'run-1' })),
    );
    expect(conflict.name).toBe('ConflictException');
    const { experiments } = await client.send(new ListExperimentsCommand({}));
    expect(experiments).toHaveLength(1);
    expect(experiments?.[0]).toMatchObject({ id: first.experiment?.id, experimentTemplateId: a });
  });

  it('answers ServiceQuotaExceededException past the active experiments quota', async () => {
    await fresh({ maxActiveExperiments: 1 });
    await start(latencyTemplate({}, 'PT12H'));
    const error = await errorOf(start(latencyTemplate({}, 'PT12H')));
    expect(error.name).toBe('ServiceQuotaExceededException');
    expect(error.message).toBe('At most 1 experiments can be active at once.');
  });

  it('runs nothing with actionsMode skip-all (a newer API option, sent here as raw JSON)', async () => {
    const { client, executor, endpoint } = await fresh();
    const { experimentTemplate } = await client.send(new CreateExperimentTemplateCommand(latencyTemplate()));
    const response = await httpRequest<{ experiment: { id: string } }>(`${endpoint.url}/experiments`, {
      method: 'POST',
      body: {
        clientToken: 'skip',
        experimentTemplateId: experimentTemplate!.id,
        experimentOptions: { actionsMode: 'skip-all' },
      },
    });
    expect(response.status).toBe(200);
    const done = await waitForStatus(client, response.body.experiment.id, ['completed']);
    expect(done.actions?.latency?.state?.status).toBe('skipped');
    expect(executor.of('start')).toHaveLength(0);
  });

  it('ResourceNotFoundException for GetExperiment and StopExperiment of an unknown id', async () => {
    const { client } = await fresh();
    for (const command of [
      new GetExperimentCommand({ id: 'EXPnope' }),
      new StopExperimentCommand({ id: 'EXPnope' }),
    ]) {
      const error = await errorOf(client.send(command as GetExperimentCommand));
      expect(error.name).toBe('ResourceNotFoundException');
      expect(error.message).toBe('Experiment EXPnope not found.');
    }
  });
});

describe('closing the endpoint', () => {
  it('stops every active experiment and undoes its actions first', async () => {
    const { executor, endpoint } = await fresh();
    await start(latencyTemplate({}, 'PT12H'));
    await start(
      latencyTemplate({ actions: { wait: { actionId: 'aws:fis:wait', parameters: { duration: 'PT12H' } } } }),
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    await endpoint.close();
    expect(executor.of('undo', 'latency')).toHaveLength(1);
  });
});
