import { sleepUntilAborted } from '../../core/wait.ts';
import type { ActionRun, FisActionStart, FisExecutor, FisTarget } from '../../fis/executor.ts';
import { REMEDY_ACTIONS } from '../../remediation/registry.ts';
import type { FaultRecorder } from '../../stack/fault-ledger.ts';
import type { Stack } from '../../stack/stack.ts';
import type { Undo, Verify } from '../fault.ts';
import { FAULT_KINDS } from '../registry.ts';
import {
  DEFAULT_LOCAL_NAMES,
  type DependencyRole,
  type LocalNames,
  type LocalPart,
  localResources,
  matchTarget,
  partOf,
} from './local-resources.ts';

/**
 * How long a rebooted RDS instance stays down, in runbook time. AWS says only that "the time required
 * to reboot is a function of the engine's crash recovery process"; five minutes is the runbook's P0
 * response target, so a responder who fails over within target is what brings service back, as on an
 * instance slow to return. A stack config sets its own (fis.rebootOutage).
 */
export const DEFAULT_REBOOT_OUTAGE_MS = 5 * 60_000;

export interface LocalFisExecutorOptions {
  /** The stack the actions land on now (a run replaces its stack between scenarios). */
  stack(): Stack | undefined;
  /**
   * Where the local faults an action carries out are registered (the run's fault ledger, under its
   * scenario), so a killed run leaves them listed for the next one; none for `gameday stack up`.
   */
  ledger?(): { recorder: FaultRecorder; scenario: string } | undefined;
  /** Runbook time over wall time, as the endpoint's (a reboot's outage shrinks with the durations). */
  timeScale: number;
  /** How long a rebooted primary stays down, in runbook ms (default DEFAULT_REBOOT_OUTAGE_MS). */
  rebootOutageMs?: number;
  /** What the stack's parts answer to (default: gameday's own names; a stack config may give its own). */
  names?: LocalNames;
}

interface LocalFault {
  kind: string;
  params: Record<string, unknown>;
}

/** The local faults one action put in place, undone together (newest first, each checked). */
interface InPlace {
  undo(): Promise<void>;
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * FIS's actions carried out on a local stack (embedded, containers, or the compose stack through
 * --stack external) as the gameday faults they stand for, each undone at the end of its duration or
 * when the experiment stops:
 *   aws:rds:reboot-db-instances      stop-primary (clean); the instance comes back after the reboot's
 *                                    outage, or at once when the experiment stops (forceFailover: failover)
 *   aws:rds:failover-db-cluster      the primary stops, the replica is promoted, the backend repointed
 *   aws:ecs:stop-task, aws:eks:pod-delete   kill-replica (SIGTERM; SIGKILL for a pod with no grace),
 *                                    the deployment replaces it; undone once it answers again
 *   aws:ecs:task-network-latency, aws:eks:pod-network-latency   proxy-toxic latency on each dependency
 *                                    `sources` names; its toxicity is the share of tasks selected times
 *                                    flowsPercent (one proxy serves every replica)
 *   aws:network:disrupt-connectivity  database subnets (scope all): freeze-primary, since denied traffic
 *                                    is dropped and nothing answers; replica subnets: proxy-down replica;
 *                                    backend subnets: proxy-down of the object store (scope s3) or of
 *                                    every dependency (scope all)
 * Other actions fail the experiment with a reason that says so.
 */
export class LocalFisExecutor implements FisExecutor {
  private readonly names: LocalNames;

  constructor(private readonly options: LocalFisExecutorOptions) {
    this.names = options.names ?? DEFAULT_LOCAL_NAMES;
  }

  async resolveTargets(target: FisTarget): Promise<string[]> {
    return matchTarget(localResources(this.stack(), this.names), target, this.names);
  }

  async start(action: FisActionStart): Promise<ActionRun> {
    const stack = this.stack();
    const resources = localResources(stack, this.names);
    const parts = (key: string) =>
      (action.targets[key] ?? []).map((id) => {
        const part = partOf(resources, id);
        if (!part) throw new Error(`${id} is no longer part of the stack`);
        return part;
      });
    const { actionId, parameters } = action;
    switch (actionId) {
      case 'aws:rds:reboot-db-instances': {
        const databases = parts('DBInstances');
        if (databases.some((part) => part.kind !== 'primary'))
          throw new Error('rebooting the replica is not modelled on the local stacks; target the primary');
        if (parameters.forceFailover === 'true') return this.failover(action, stack);
        const inPlace = await this.carryOut(action, stack, [
          { kind: 'stop-primary', params: { mode: 'fast' } },
        ]);
        const outageMs = (this.options.rebootOutageMs ?? DEFAULT_REBOOT_OUTAGE_MS) / this.options.timeScale;
        return {
          // What AWS does after the action: the instance comes back once rebooted (now, if stopped).
          undo: async () => {
            await sleepUntilAborted(outageMs, action.signal);
            await inPlace.undo();
          },
        };
      }
      case 'aws:rds:failover-db-cluster':
        parts('Clusters');
        return this.failover(action, stack);
      case 'aws:ecs:stop-task':
      case 'aws:eks:pod-delete': {
        const signal = parameters.gracePeriodSeconds === '0' ? 'SIGKILL' : 'SIGTERM';
        const replicas = parts(actionId === 'aws:ecs:stop-task' ? 'Tasks' : 'Pods').map(replicaOf);
        return this.carryOut(
          action,
          stack,
          replicas.map((replica) => ({ kind: 'kill-replica', params: { replica, signal } })),
        );
      }
      case 'aws:ecs:task-network-latency':
      case 'aws:eks:pod-network-latency': {
        const selected = parts(actionId === 'aws:ecs:task-network-latency' ? 'Tasks' : 'Pods').length;
        const all = Math.max(1, stack.backend.replicas().length);
        const flows = numberParameter(parameters, 'flowsPercent', 100, 0, 100);
        const toxicity = Math.min(1, (selected / all) * (flows / 100));
        const attributes = {
          latency: numberParameter(parameters, 'delayMilliseconds', 200, 0, 3_600_000),
          jitter: numberParameter(parameters, 'jitterMilliseconds', 10, 0, 3_600_000),
        };
        return this.carryOut(
          action,
          stack,
          sourcesOf(parameters.sources, stack, this.names.sources).map((proxy) => ({
            kind: 'proxy-toxic',
            params: { proxy, type: 'latency', toxicity, attributes },
          })),
        );
      }
      case 'aws:network:disrupt-connectivity':
        return this.carryOut(action, stack, disruptions(parts('Subnets'), parameters.scope ?? 'all', stack));
      default:
        throw new Error(
          `${actionId} is not carried out on gameday's local stacks (they do reboot-db-instances, failover-db-cluster, ecs stop-task and task-network-latency, eks pod-delete and pod-network-latency, network disrupt-connectivity)`,
        );
    }
  }

  private stack(): Stack {
    const stack = this.options.stack();
    if (!stack) throw new Error('no stack is running for the FIS endpoint to act on');
    return stack;
  }

  /** A failover as AWS does it: the writer stops, the replica takes over, the endpoint moves to it. */
  private async failover(action: FisActionStart, stack: Stack): Promise<ActionRun> {
    for (const need of ['promote-replica', 'rollout'] as const)
      if (!stack.capabilities.has(need)) throw new Error(`a failover needs the ${need} capability`);
    const inPlace = await this.carryOut(action, stack, [{ kind: 'stop-primary', params: { mode: 'fast' } }]);
    try {
      await REMEDY_ACTIONS['promote-replica']!.run({}, { stack });
      await REMEDY_ACTIONS['repoint-database']!.run({}, { stack });
    } catch (error) {
      await inPlace.undo().catch(() => undefined);
      throw error;
    }
    // AWS does not fail back: the old writer stays down, the stack keeps its new primary.
    return inPlace;
  }

  /**
   * Injects each fault with its undo registered first (in the run's ledger too); if one fails, what
   * was done is undone before the error goes on, as the executor's contract asks.
   */
  private async carryOut(action: FisActionStart, stack: Stack, faults: LocalFault[]): Promise<InPlace> {
    const registered: { undo: Undo; verify?: Verify; entry?: number; recorder?: FaultRecorder }[] = [];
    const undoAll = async () => {
      const failures: string[] = [];
      for (const { undo, verify, entry, recorder } of registered.splice(0).reverse()) {
        try {
          await undo();
          const remaining = await verify?.();
          if (remaining) throw new Error(`still in effect after the undo: ${remaining}`);
          if (entry !== undefined) await recorder?.settle(entry, 'reverted');
        } catch (error) {
          failures.push(messageOf(error));
          if (entry !== undefined) await recorder?.settle(entry, 'revert-failed', messageOf(error));
        }
      }
      if (failures.length) throw new Error(failures.join('; '));
    };
    try {
      for (const fault of unique(faults)) {
        const kind = FAULT_KINDS[fault.kind]!;
        const params = kind.params.parse(fault.params) as Record<string, unknown>;
        const missing = kind.requires.filter((capability) => !stack.capabilities.has(capability));
        if (missing.length) throw new Error(`the stack cannot do ${missing.join(', ')} (${fault.kind})`);
        const description = `FIS ${action.actionId} (experiment ${action.experimentId}, action ${action.actionName}): ${kind.describe(params)}`;
        await kind.inject(
          params,
          { stack, signal: action.signal, note: () => undefined },
          async (undo, recorded, verify) => {
            const ledger = this.options.ledger?.();
            const entry = await ledger?.recorder.register({
              scenario: ledger.scenario,
              kind: fault.kind,
              description,
              params,
              recorded,
            });
            registered.push({ undo, verify, entry, recorder: ledger?.recorder });
          },
        );
      }
    } catch (error) {
      await undoAll().catch(() => undefined);
      throw error;
    }
    return { undo: undoAll };
  }
}

const replicaOf = (part: LocalPart): string => {
  if (part.kind !== 'backend') throw new Error('only the backend replicas are tasks and pods here');
  return part.replica;
};

/** The same fault asked for twice (two subnets that cut the same dependency) is done once. */
function unique(faults: LocalFault[]): LocalFault[] {
  const seen = new Set<string>();
  return faults.filter((fault) => {
    const key = JSON.stringify(fault);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function numberParameter(
  parameters: Record<string, string>,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const raw = parameters[name];
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min || value > max)
    throw new Error(`${name} must be a number from ${min} to ${max}, got "${raw}"`);
  return value;
}

/** The dependencies a latency action's `sources` names (ALL, or each by the name it answers to). */
function sourcesOf(
  sources: string | undefined,
  stack: Stack,
  names: Record<DependencyRole, string>,
): DependencyRole[] {
  const present = (Object.keys(names) as DependencyRole[]).filter((role) => stack.endpoints.proxies[role]);
  const asked = (sources ?? 'ALL').split(',').map((s) => s.trim());
  if (asked.some((s) => s.toUpperCase() === 'ALL')) return present;
  return asked.map((source) => {
    const role = present.find((r) => names[r].toLowerCase() === source.toLowerCase());
    if (!role)
      throw new Error(
        `source ${source} is none of the local stack's dependencies (${present.map((r) => names[r]).join(', ')}, or ALL)`,
      );
    return role;
  });
}

/** What denying a subnet's traffic does on the local stack, by subnet and scope. */
function disruptions(subnets: LocalPart[], scope: string, stack: Stack): LocalFault[] {
  if (scope !== 'all' && scope !== 's3')
    throw new Error(`scope ${scope} is not modelled on the local stacks (all and s3 are)`);
  const down = (proxy: DependencyRole): LocalFault => ({ kind: 'proxy-down', params: { proxy } });
  return subnets.flatMap((part): LocalFault[] => {
    if (part.kind !== 'subnet') throw new Error('only subnets are disrupted');
    if (part.role === 'backend')
      return scope === 's3'
        ? [down('objectStore')]
        : (['database', 'replica', 'objectStore'] as const)
            .filter((role) => stack.endpoints.proxies[role])
            .map(down);
    // The database's and the replica's subnets reach no S3 here: nothing to deny.
    if (scope === 's3') return [];
    return part.role === 'database' ? [{ kind: 'freeze-primary', params: {} }] : [down('replica')];
  });
}
