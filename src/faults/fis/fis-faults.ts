import { randomUUID } from 'node:crypto';
import {
  type Experiment,
  type FisClient,
  GetExperimentCommand,
  ListExperimentsCommand,
  StartExperimentCommand,
  StopExperimentCommand,
} from '@aws-sdk/client-fis';
import { AbortedError, abortReason } from '../../core/aborted.ts';
import { sleep } from '../../core/wait.ts';
import type { FaultContext, RegisterFault } from '../fault.ts';
import type { FaultBackend, ResolvedFault } from '../fault-backend.ts';
import { FAULT_KINDS } from '../registry.ts';
import { answered, type FisConnection, fisUnavailable } from './fis-connection.ts';

/** What the ledger keeps of a fault run as a FIS experiment: enough to stop it after a crash. */
export interface FisLedgerRecord {
  fis: {
    /** The endpoint's URL, or "aws" (the SDK's own resolution, from `region`). */
    endpoint: string;
    /** gameday's own endpoint: it dies with the run that served it. */
    local: boolean;
    region: string;
    experimentTemplateId: string;
    /** StartExperiment's idempotency token, written before the call. */
    clientToken: string;
    /** Written as soon as StartExperiment answers. */
    experimentId?: string;
  };
}

export const isFisRecord = (recorded: unknown): recorded is FisLedgerRecord =>
  typeof (recorded as FisLedgerRecord | undefined)?.fis?.experimentTemplateId === 'string';

/** The experiment template made for a fault before the run started (fis-session.ts). */
export interface PreparedTemplate {
  templateId: string;
  scenario: string;
}

export interface FisFaultsOptions {
  connection: FisConnection;
  templateFor(fault: ResolvedFault): PreparedTemplate | undefined;
  /** How often GetExperiment is read (default 50 ms locally, 2 s on AWS, whose API is rate-limited). */
  pollMs?: number;
  /** How long the experiment may take to put its actions in place (default 150 s). */
  inPlaceWithinMs?: number;
}

/** How long a stopped experiment may take to undo its actions and end (its check's own deadline is shorter). */
const ENDED_WITHIN_MS = 60_000;
const TERMINAL = new Set(['completed', 'stopped', 'failed', 'cancelled']);
/** An action that did its part: in place, done, or left out on purpose. */
const ACTION_DONE = new Set(['running', 'completed', 'skipped']);

const describe = (experiment: Experiment) =>
  `${experiment.state?.status ?? 'unknown'}${experiment.state?.reason ? `: ${experiment.state.reason}` : ''}`;

/**
 * Faults carried out by AWS FIS (`--faults fis`): each fault is an experiment from the template
 * prepared for it. The undo (StopExperiment) is registered, with the endpoint and the idempotency
 * token, BEFORE StartExperiment, and the experiment's id is added to the ledger as soon as it exists.
 * The fault is in place once every action runs (or, being instant, is done); TTD and TTR count from
 * there. The check after the revert reads GetExperiment until the experiment has ended, then looks at
 * the stack as the local fault's own check would.
 */
export class FisFaults implements FaultBackend {
  readonly name = 'fis';
  private readonly client: FisClient;
  private readonly pollMs: number;

  constructor(private readonly options: FisFaultsOptions) {
    this.client = options.connection.client;
    this.pollMs = options.pollMs ?? (options.connection.local ? 50 : 2_000);
  }

  async inject(fault: ResolvedFault, context: FaultContext, register: RegisterFault): Promise<void> {
    const prepared = this.options.templateFor(fault);
    if (!prepared) throw new Error(`no FIS experiment template was prepared for "${fault.description}"`);
    const { connection } = this.options;
    const record: FisLedgerRecord = {
      fis: {
        endpoint: connection.endpoint,
        local: connection.local,
        region: connection.region,
        experimentTemplateId: prepared.templateId,
        clientToken: randomUUID(),
      },
    };
    const kind = FAULT_KINDS[fault.kind];
    const handle = await register(
      () => this.stop(record),
      structuredClone(record),
      async () => {
        const ended = await this.ended(record);
        context.experiment?.({
          experimentId: ended.id!,
          status: ended.state?.status ?? 'unknown',
          detail: `FIS experiment ${ended.id} ${describe(ended)}`,
        });
        // The stack decides, as the local fault's own check sees it, where it can be looked at that
        // way; elsewhere a failed experiment (an action or its undo that failed) may have left it.
        const checkable = kind?.requires.every((need) => context.stack.capabilities.has(need));
        if (checkable && kind?.reverted) return kind.reverted(fault.params, context.stack);
        return ended.state?.status === 'failed'
          ? `FIS experiment ${ended.id} failed: ${ended.state.reason}`
          : undefined;
      },
    );
    const started = await this.call(() =>
      this.client.send(
        new StartExperimentCommand({
          experimentTemplateId: prepared.templateId,
          clientToken: record.fis.clientToken,
          tags: { 'gameday:scenario': prepared.scenario, 'gameday:fault': fault.kind },
        }),
      ),
    );
    const id = started.experiment!.id!;
    record.fis.experimentId = id;
    await handle.update({
      recorded: structuredClone(record),
      description: `${fault.description} (FIS experiment ${id})`,
    });
    context.experiment?.({
      experimentId: id,
      status: started.experiment?.state?.status ?? 'initiating',
      detail: `FIS experiment ${id} started from template ${prepared.templateId} at ${connection.endpoint}`,
    });
    const inPlace = await this.inPlace(id, context.signal);
    context.experiment?.({
      experimentId: id,
      status: inPlace.state?.status ?? 'running',
      detail: `FIS experiment ${id} in place: ${Object.entries(inPlace.actions ?? {})
        .map(([name, action]) => `${name} (${action.actionId}) ${action.state?.status}`)
        .join(', ')}`,
    });
  }

  /** Every action running or done; a failed or stopped experiment is an error with FIS's reason. */
  private async inPlace(id: string, signal: AbortSignal | undefined): Promise<Experiment> {
    const deadline = Date.now() + (this.options.inPlaceWithinMs ?? 150_000);
    for (;;) {
      if (signal?.aborted) throw new AbortedError(abortReason(signal));
      const experiment = await this.get(id);
      const status = experiment.state?.status ?? '';
      if (TERMINAL.has(status) && status !== 'completed')
        throw new Error(`FIS experiment ${id} ${describe(experiment)}`);
      const actions = Object.values(experiment.actions ?? {});
      if (
        (status === 'running' || status === 'completed') &&
        actions.every((action) => ACTION_DONE.has(action.state?.status ?? ''))
      )
        return experiment;
      if (Date.now() > deadline)
        throw new Error(
          `FIS experiment ${id} was not in place after ${this.options.inPlaceWithinMs ?? 150_000} ms (${describe(experiment)})`,
        );
      await sleep(this.pollMs);
    }
  }

  /** StopExperiment on what is still active; without an id (a start that never answered), every active experiment of the template. */
  private async stop(record: FisLedgerRecord): Promise<void> {
    for (const id of await activeExperiments(this.client, record, (call) => this.call(call)))
      await this.call(() => this.client.send(new StopExperimentCommand({ id })));
  }

  /** Reads the experiment until it has ended (stopped, completed or failed). */
  private async ended(record: FisLedgerRecord): Promise<Experiment> {
    const id = record.fis.experimentId;
    if (!id)
      return {
        id: '(never started)',
        state: { status: 'stopped', reason: 'StartExperiment never answered' },
      };
    const deadline = Date.now() + ENDED_WITHIN_MS;
    for (;;) {
      const experiment = await this.get(id);
      if (TERMINAL.has(experiment.state?.status ?? '')) return experiment;
      if (Date.now() > deadline)
        throw new Error(
          `FIS experiment ${id} had not ended ${ENDED_WITHIN_MS} ms after StopExperiment (${describe(experiment)})`,
        );
      await sleep(this.pollMs);
    }
  }

  private async get(id: string): Promise<Experiment> {
    return (await this.call(() => this.client.send(new GetExperimentCommand({ id })))).experiment!;
  }

  /** A call that never reached FIS is the stack being unavailable (exit 3), not a fault that failed. */
  private async call<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (answered(error)) throw error;
      throw fisUnavailable(this.options.connection, error);
    }
  }
}

/**
 * The experiments a ledger record stands for that have not ended: its own, or, when StartExperiment
 * never answered, any of its template's (ListExperiments of 3.523 filters nothing: read them all).
 */
export async function activeExperiments(
  client: FisClient,
  record: FisLedgerRecord,
  call: <T>(work: () => Promise<T>) => Promise<T> = (work) => work(),
): Promise<string[]> {
  const { experimentId, experimentTemplateId } = record.fis;
  if (experimentId) {
    const { experiment } = await call(() => client.send(new GetExperimentCommand({ id: experimentId })));
    return TERMINAL.has(experiment?.state?.status ?? '') ? [] : [experimentId];
  }
  const active: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await call(() => client.send(new ListExperimentsCommand({ maxResults: 100, nextToken })));
    for (const summary of page.experiments ?? [])
      if (summary.experimentTemplateId === experimentTemplateId && !TERMINAL.has(summary.state?.status ?? ''))
        active.push(summary.id!);
    nextToken = page.nextToken;
  } while (nextToken);
  return active;
}

export { TERMINAL as TERMINAL_EXPERIMENT_STATES };
