import {
  CreateExperimentTemplateCommand,
  GetExperimentCommand,
  ListExperimentsCommand,
} from '@aws-sdk/client-fis';
import { afterEach, describe, expect, it } from 'vitest';
import { Clock } from '../../src/core/clock.ts';
import { StackUnavailableError } from '../../src/core/errors.ts';
import { freePort } from '../../src/core/free-port.ts';
import type { ExperimentUpdate, Undo, Verify } from '../../src/faults/fault.ts';
import type { ResolvedFault } from '../../src/faults/fault-backend.ts';
import { connectFis } from '../../src/faults/fis/fis-connection.ts';
import { activeExperiments, FisFaults, type FisLedgerRecord } from '../../src/faults/fis/fis-faults.ts';
import type { Capability } from '../../src/stack/stack.ts';
import { FakeStack } from '../support/fakes/fake-stack.ts';
import { latencyTemplate, startTestEndpoint } from './fis-client.ts';

/**
 * The FIS fault back-end (`--faults fis`) against the endpoint through the real client, on a fake
 * executor: the order of the ledger and the experiment, when the fault counts as in place, the
 * revert and its check, a failed experiment and an endpoint that does not answer.
 */
let setup: Awaited<ReturnType<typeof startTestEndpoint>> | undefined;
afterEach(() => setup?.endpoint.close());

const FAULT: ResolvedFault = {
  kind: 'kill-replica',
  params: { signal: 'SIGKILL' },
  description: 'kill backend replica (the first) with SIGKILL; the deployment replaces it',
};

/** A fake stack that can kill replicas: kill-replica's own check then runs (its replica never answers). */
function stackThatKills(): FakeStack {
  const stack = new FakeStack({ clock: new Clock() });
  Object.defineProperty(stack, 'capabilities', {
    value: new Set<Capability>(['rollout', 'kill-replica']),
  });
  return stack;
}

/** Injects FAULT through FIS on a template made on the endpoint; returns what the ledger and the timeline saw. */
async function inject(options: { stack?: FakeStack; failStart?: string } = {}) {
  setup = await startTestEndpoint({ timeScale: 60 });
  const { client, executor, endpoint } = setup;
  if (options.failStart) executor.failStart.set('latency', options.failStart);
  const { experimentTemplate } = await client.send(new CreateExperimentTemplateCommand(latencyTemplate()));
  const connection = await connectFis({ kind: 'local', url: endpoint.url });
  const faults = new FisFaults({
    connection,
    templateFor: (fault) =>
      fault === FAULT ? { templateId: experimentTemplate!.id!, scenario: 's' } : undefined,
  });
  const seen: {
    registered?: { recorded: FisLedgerRecord; experimentsThen: number };
    updates: { recorded?: unknown; description?: string }[];
    undo?: Undo;
    verify?: Verify;
    experiment: ExperimentUpdate[];
  } = { updates: [], experiment: [] };
  const injecting = faults.inject(
    FAULT,
    {
      stack: options.stack ?? new FakeStack({ clock: new Clock() }),
      note: () => undefined,
      experiment: (update) => seen.experiment.push(update),
    },
    async (undo, recorded, verify) => {
      const { experiments } = await client.send(new ListExperimentsCommand({}));
      seen.registered = { recorded: recorded as FisLedgerRecord, experimentsThen: experiments!.length };
      seen.undo = undo;
      seen.verify = verify;
      return { update: async (changes) => void seen.updates.push(changes) };
    },
  );
  return { injecting, seen, client, executor, endpoint };
}

describe('faults through FIS', () => {
  it('registers the undo, with the endpoint and the idempotency token, before StartExperiment; then the experiment’s id', async () => {
    const { injecting, seen, endpoint } = await inject();
    await injecting;
    expect(seen.registered!.experimentsThen).toBe(0);
    expect(seen.registered!.recorded.fis).toEqual({
      endpoint: endpoint.url,
      local: true,
      region: 'us-east-1',
      experimentTemplateId: expect.stringMatching(/^EXT/),
      clientToken: expect.stringMatching(/^[0-9a-f-]{36}$/),
    });
    const id = seen.experiment[0]!.experimentId;
    expect(id).toMatch(/^EXP/);
    expect(seen.updates).toEqual([
      {
        recorded: { fis: { ...seen.registered!.recorded.fis, experimentId: id } },
        description: `${FAULT.description} (FIS experiment ${id})`,
      },
    ]);
  });

  it('counts the fault in place once every action runs, not when the experiment says "running"', async () => {
    const { injecting, seen, executor, client } = await inject();
    executor.startDelayMs = 300;
    await injecting;
    const id = seen.experiment[0]!.experimentId;
    const { experiment } = await client.send(new GetExperimentCommand({ id }));
    expect(experiment!.actions!.latency!.state?.status).toBe('running');
    expect(executor.of('start')).toHaveLength(1);
    expect(seen.experiment.map((e) => e.status)).toEqual(['initiating', 'running']);
    expect(seen.experiment[1]!.detail).toBe(
      `FIS experiment ${id} in place: latency (aws:ecs:task-network-latency) running`,
    );
  });

  it('the undo stops the experiment; the check reads it until it has ended, then looks at the stack', async () => {
    const { injecting, seen, executor } = await inject();
    await injecting;
    expect(executor.of('undo')).toHaveLength(0);
    await seen.undo!();
    // A stack that cannot kill replicas cannot be checked for one: the experiment's end decides.
    expect(await seen.verify!()).toBeUndefined();
    expect(executor.of('undo')).toHaveLength(1);
    expect(seen.experiment.at(-1)).toMatchObject({
      status: 'stopped',
      detail: expect.stringMatching(/stopped: Experiment stopped\.$/),
    });
  });

  it('reports a fault still in effect on the stack after its experiment ended', async () => {
    const { injecting, seen } = await inject({ stack: stackThatKills() });
    await injecting;
    await seen.undo!();
    expect(await seen.verify!()).toBe('backend replica(s) fake-0 not answering');
  });

  it('fails the injection with FIS’s reason when the experiment fails', async () => {
    const { injecting, seen } = await inject({ failStart: 'no such task' });
    await expect(injecting).rejects.toThrow(
      /^FIS experiment EXP\w+ failed: Action latency \(aws:ecs:task-network-latency\) failed: no such task$/,
    );
    // Registered all the same; this stack cannot be looked at for the fault, so the failure stands.
    await seen.undo!();
    expect(await seen.verify!()).toMatch(/failed: Action latency/);
  });

  it('after a crash, finds the experiment by its template when StartExperiment never answered', async () => {
    const { injecting, seen, client } = await inject();
    await injecting;
    const { experimentId, ...withoutId } = seen.registered!.recorded.fis;
    expect(experimentId).toBeUndefined();
    // The ledger as a run killed before StartExperiment answered left it.
    const id = seen.experiment[0]!.experimentId;
    expect(await activeExperiments(client, { fis: withoutId })).toEqual([id]);
    await seen.undo!();
    await seen.verify!();
    expect(await activeExperiments(client, { fis: withoutId })).toEqual([]);
    expect(await activeExperiments(client, { fis: { ...withoutId, experimentId: id } })).toEqual([]);
  });

  it('an endpoint that does not answer is the stack unavailable (exit 3), after the undo is registered', async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const faults = new FisFaults({
      connection: await connectFis({ kind: 'local', url }),
      templateFor: () => ({ templateId: 'EXTnothere', scenario: 's' }),
    });
    let registered = false;
    const error = await faults
      .inject(FAULT, { stack: new FakeStack({ clock: new Clock() }), note: () => undefined }, async () => {
        registered = true;
        return { update: async () => undefined };
      })
      .catch((e: unknown) => e);
    expect(registered).toBe(true);
    expect(error).toBeInstanceOf(StackUnavailableError);
    expect((error as StackUnavailableError).exitCode).toBe(3);
    expect((error as Error).message).toMatch(new RegExp(`^the FIS endpoint ${url} does not answer: `));
  });
});
