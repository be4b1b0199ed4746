import type {
  CreateExperimentTemplateActionInput,
  CreateExperimentTemplateCommandInput,
  CreateExperimentTemplateTargetInput,
} from '@aws-sdk/client-fis';
import { isoDurationMs, MAX_ACTION_DURATION_MS, MIN_ACTION_DURATION_MS } from './iso-duration.ts';

/** Resources as FIS finds them: by ARNs or by tags (one of the two). */
export interface ResourceSelector {
  arns?: string[];
  tags?: Record<string, string>;
}

/** Where gameday's faults land in an AWS account (from the stack config; see FIS_PLACEHOLDER_CONFIG). */
export interface FisExportConfig {
  /** The IAM role FIS assumes to act on the resources. */
  roleArn: string;
  targets: {
    /** The primary database: an RDS instance (rebooted) or, failing that, an Aurora cluster (failed over). */
    dbInstance?: string;
    dbCluster?: string;
    /** The backend's replicas as ECS tasks… */
    ecsTasks?: ResourceSelector & { cluster?: string; service?: string };
    /** …or as EKS pods (FIS finds pods by these parameters, not by ARN). */
    eksPods?: {
      clusterIdentifier: string;
      namespace: string;
      selectorType: 'labelSelector' | 'deploymentName' | 'podName';
      selectorValue: string;
      kubernetesServiceAccount: string;
    };
    /** Subnets whose traffic FIS denies to cut a dependency off. */
    subnets?: { database?: ResourceSelector; replica?: ResourceSelector; backend?: ResourceSelector };
    /** How the backend reaches each dependency (host, IP or CIDR; "S3"): the `sources` that get latency. */
    endpoints?: { database?: string; replica?: string; objectStore?: string };
  };
  /** CloudWatch alarm ARNs that stop the experiment (the scenario's guard alerts); none: {source: none}. */
  stopConditionAlarms?: string[];
}

/** A config whose every ARN and tag is a placeholder, for `gameday export fis` without a stack config. */
export const FIS_PLACEHOLDER_CONFIG: FisExportConfig = {
  roleArn: 'arn:aws:iam::111122223333:role/REPLACE-gameday-fis-role',
  targets: {
    dbInstance: 'arn:aws:rds:us-east-1:111122223333:db:REPLACE-chat-primary',
    ecsTasks: { tags: { 'gameday:component': 'chat-backend' } },
    subnets: {
      database: { tags: { 'gameday:subnet': 'database' } },
      replica: { tags: { 'gameday:subnet': 'replica' } },
      backend: { tags: { 'gameday:subnet': 'backend' } },
    },
    endpoints: {
      database: 'REPLACE-chat-primary.abcdefghijkl.us-east-1.rds.amazonaws.com',
      replica: 'REPLACE-chat-replica.abcdefghijkl.us-east-1.rds.amazonaws.com',
      objectStore: 'S3',
    },
  },
};

/** A fault as a scenario file writes it: `kind` and the kind's parameters. */
export interface GamedayFault {
  kind: string;
  [parameter: string]: unknown;
}

export type FisExport =
  | { status: 'template'; template: CreateExperimentTemplateCommandInput }
  /** FIS cannot inject this fault: the scenario is skipped and listed. */
  | { status: 'no-equivalent'; reason: string }
  /** It could, but the config lacks what it needs (an input error, exit 2). */
  | { status: 'needs-config'; problems: string[] };

/** Fault kinds FIS cannot inject, and why (said when their scenarios are skipped). */
export const NO_FIS_EQUIVALENT: Record<string, string> = {
  'deploy-release': 'a release is a deployment (CodeDeploy, kubectl), not a fault FIS injects',
  'backend-env': 'a changed environment is a deployment, not a fault FIS injects',
  'drop-index': 'FIS does not act inside a database (no action drops an index)',
  'hold-lock': 'FIS does not act inside a database (no action holds a table lock)',
  'runaway-query': 'FIS does not act inside a database (no action runs queries)',
  'connection-leak': 'FIS does not act inside a database or an application (no action leaks connections)',
  'bad-cleanup-job': 'FIS does not run application jobs (no action deletes rows)',
  'auth-attack': 'an attack is traffic from a load generator, not a FIS action',
  'socket-storm': 'a connection storm is traffic from a load generator, not a FIS action',
  'proxy-blip': "FIS's shortest action lasts PT1M; a blip lasts seconds",
};

interface Part {
  actionName: string;
  action: CreateExperimentTemplateActionInput;
  target?: { name: string; spec: CreateExperimentTemplateTargetInput };
}

type Mapped = Part | { problems: string[] } | { reason: string };

type Role = 'database' | 'replica' | 'objectStore';
const isRole = (value: unknown): value is Role =>
  value === 'database' || value === 'replica' || value === 'objectStore';

/**
 * The FIS experiment template for a scenario's fault(s): gameday's fault kinds mapped onto FIS's
 * actions, targets from `config`, the alarms as stop conditions. `duration` (ISO 8601, PT1M to PT12H,
 * default PT10M) is how long a lasting fault stays: FIS undoes it then, where gameday waits for the
 * remedy. Several faults become parallel actions, all in place together.
 *   stop-primary            → aws:rds:reboot-db-instances (or aws:rds:failover-db-cluster)
 *   freeze-primary          → aws:network:disrupt-connectivity (scope all) on the database's subnets
 *   partition-primary       → the same: a partition is what disrupt-connectivity makes
 *   proxy-down              → aws:network:disrupt-connectivity: database or replica subnets (scope all),
 *                             the object store from the backend's subnets (scope s3)
 *   proxy-toxic (latency)   → aws:ecs:task-network-latency (aws:eks:pod-network-latency) to that dependency
 *   kill-replica            → aws:ecs:stop-task (aws:eks:pod-delete) on COUNT(1) of the backend's replicas
 */
export function fisTemplateFor(
  scenario: { id: string; title?: string; fault: GamedayFault | GamedayFault[] },
  config: FisExportConfig,
  options: { duration?: string } = {},
): FisExport {
  const duration = options.duration ?? 'PT10M';
  const problems: string[] = [];
  const ms = isoDurationMs(duration);
  if (ms === undefined || ms < MIN_ACTION_DURATION_MS || ms > MAX_ACTION_DURATION_MS)
    problems.push(`duration ${duration}: expected an ISO 8601 duration from PT1M to PT12H`);
  if (!config.roleArn) problems.push('roleArn: the IAM role FIS assumes is missing');
  const alarms = config.stopConditionAlarms ?? [];
  if (alarms.length > 5) problems.push(`stopConditionAlarms: FIS takes at most 5 (${alarms.length} given)`);
  const parts: Part[] = [];
  for (const fault of Array.isArray(scenario.fault) ? scenario.fault : [scenario.fault]) {
    const mapped = mapFault(fault, config, duration);
    if ('reason' in mapped) return { status: 'no-equivalent', reason: `${fault.kind}: ${mapped.reason}` };
    if ('problems' in mapped) problems.push(...mapped.problems.map((p) => `${fault.kind}: ${p}`));
    else parts.push(mapped);
  }
  if (problems.length) return { status: 'needs-config', problems };
  const actions: Record<string, CreateExperimentTemplateActionInput> = {};
  const targets: Record<string, CreateExperimentTemplateTargetInput> = {};
  for (const part of parts) {
    let name = part.actionName;
    for (let n = 2; actions[name]; n++) name = `${part.actionName}-${n}`;
    actions[name] = part.action;
    if (part.target) targets[part.target.name] = part.target.spec;
  }
  const description = `gameday ${scenario.id}: ${scenario.title ?? parts.map((p) => p.actionName).join(', ')}`;
  return {
    status: 'template',
    template: {
      description: description.slice(0, 512),
      roleArn: config.roleArn,
      targets,
      actions,
      stopConditions: alarms.length
        ? alarms.map((value) => ({ source: 'aws:cloudwatch:alarm', value }))
        : [{ source: 'none' }],
      tags: { 'gameday:scenario': scenario.id },
    },
  };
}

function mapFault(fault: GamedayFault, config: FisExportConfig, duration: string): Mapped {
  const { targets } = config;
  switch (fault.kind) {
    case 'stop-primary': {
      // A managed database's reboot or failover is what stop-primary's clean stop stands for.
      if (targets.dbInstance)
        return {
          actionName: 'reboot-primary',
          action: {
            actionId: 'aws:rds:reboot-db-instances',
            parameters: { forceFailover: 'false' },
            targets: { DBInstances: 'primary-database' },
          },
          target: { name: 'primary-database', spec: byArns('aws:rds:db', [targets.dbInstance]) },
        };
      if (targets.dbCluster)
        return {
          actionName: 'failover-primary',
          action: { actionId: 'aws:rds:failover-db-cluster', targets: { Clusters: 'database-cluster' } },
          target: { name: 'database-cluster', spec: byArns('aws:rds:cluster', [targets.dbCluster]) },
        };
      return {
        problems: ['set targets.dbInstance (RDS) or targets.dbCluster (Aurora): the primary database'],
      };
    }
    case 'freeze-primary':
      // Denied traffic is dropped, not refused: connections stay open and nothing answers, as in a hang.
      return cutSubnets('freeze-primary', 'database', 'all', targets.subnets?.database, duration);
    case 'partition-primary':
      return cutSubnets('partition-primary', 'database', 'all', targets.subnets?.database, duration);
    case 'proxy-down': {
      if (!isRole(fault.proxy)) return { problems: ['proxy must be database, replica or objectStore'] };
      if (fault.proxy === 'objectStore')
        return cutSubnets('cut-object-store', 'backend', 's3', targets.subnets?.backend, duration);
      return cutSubnets(`cut-${fault.proxy}`, fault.proxy, 'all', targets.subnets?.[fault.proxy], duration);
    }
    case 'proxy-toxic':
      return latency(fault, config, duration);
    case 'kill-replica':
      return killReplica(config);
    default:
      return { reason: NO_FIS_EQUIVALENT[fault.kind] ?? 'not a fault kind gameday maps onto FIS' };
  }
}

function cutSubnets(
  actionName: string,
  subnets: 'database' | 'replica' | 'backend',
  scope: 'all' | 's3',
  selector: ResourceSelector | undefined,
  duration: string,
): Mapped {
  const target = selected('aws:ec2:subnet', selector, `targets.subnets.${subnets}`);
  if ('problems' in target) return target;
  const name = `${subnets}-subnets`;
  return {
    actionName,
    action: {
      actionId: 'aws:network:disrupt-connectivity',
      parameters: { duration, scope },
      targets: { Subnets: name },
    },
    target: { name, spec: target },
  };
}

function latency(fault: GamedayFault, config: FisExportConfig, duration: string): Mapped {
  if (fault.type !== 'latency')
    return { reason: `FIS has no equivalent of Toxiproxy's ${String(fault.type)} toxic (only latency maps)` };
  if (!isRole(fault.proxy)) return { problems: ['proxy must be database, replica or objectStore'] };
  const attributes = (fault.attributes ?? {}) as Record<string, unknown>;
  const source = config.targets.endpoints?.[fault.proxy];
  const problems: string[] = [];
  if (!source) problems.push(`set targets.endpoints.${fault.proxy}: the host the backend reaches it at`);
  if (typeof attributes.latency !== 'number') problems.push('attributes.latency (ms) is missing');
  const parameters: Record<string, string> = {
    duration,
    delayMilliseconds: String(Math.round(Number(attributes.latency))),
    jitterMilliseconds: String(Math.round(Number(attributes.jitter ?? 0))),
    sources: source ?? '',
  };
  // Toxiproxy's toxicity (share of connections affected) is FIS's flowsPercent.
  if (typeof fault.toxicity === 'number' && fault.toxicity < 1)
    parameters.flowsPercent = String(Math.round(fault.toxicity * 100));
  const backend = backendTarget(config);
  if ('problems' in backend) problems.push(...backend.problems);
  if (problems.length || 'problems' in backend) return { problems };
  const eks = backend.target.spec.resourceType === 'aws:eks:pod';
  return {
    actionName: `slow-${fault.proxy}-link`,
    action: {
      actionId: eks ? 'aws:eks:pod-network-latency' : 'aws:ecs:task-network-latency',
      parameters: { ...parameters, ...backend.parameters },
      targets: { [eks ? 'Pods' : 'Tasks']: backend.target.name },
    },
    target: backend.target,
  };
}

function killReplica(config: FisExportConfig): Mapped {
  const backend = backendTarget(config, 'COUNT(1)');
  if ('problems' in backend) return backend;
  const eks = backend.target.spec.resourceType === 'aws:eks:pod';
  return {
    actionName: 'kill-replica',
    action: {
      actionId: eks ? 'aws:eks:pod-delete' : 'aws:ecs:stop-task',
      parameters: backend.parameters,
      targets: { [eks ? 'Pods' : 'Tasks']: backend.target.name },
    },
    target: backend.target,
  };
}

/** The backend's replicas as a FIS target (ECS tasks, else EKS pods) and the action parameters that go with it. */
function backendTarget(
  config: FisExportConfig,
  selectionMode = 'ALL',
):
  | {
      target: { name: string; spec: CreateExperimentTemplateTargetInput };
      parameters: Record<string, string>;
    }
  | { problems: string[] } {
  const { ecsTasks, eksPods } = config.targets;
  if (ecsTasks) {
    const spec = selected('aws:ecs:task', ecsTasks, 'targets.ecsTasks', selectionMode);
    if ('problems' in spec) return spec;
    const parameters = { cluster: ecsTasks.cluster, service: ecsTasks.service };
    const defined = Object.fromEntries(Object.entries(parameters).filter(([, v]) => v)) as Record<
      string,
      string
    >;
    if (Object.keys(defined).length) spec.parameters = defined;
    return { target: { name: 'backend-tasks', spec }, parameters: {} };
  }
  if (eksPods) {
    const { kubernetesServiceAccount, ...parameters } = eksPods;
    return {
      target: { name: 'backend-pods', spec: { resourceType: 'aws:eks:pod', parameters, selectionMode } },
      parameters: { kubernetesServiceAccount },
    };
  }
  return { problems: ["set targets.ecsTasks or targets.eksPods: the backend's replicas"] };
}

function selected(
  resourceType: string,
  selector: ResourceSelector | undefined,
  field: string,
  selectionMode = 'ALL',
): CreateExperimentTemplateTargetInput | { problems: string[] } {
  if (selector?.arns?.length && selector.tags) return { problems: [`${field}: give arns or tags, not both`] };
  if (selector?.arns?.length) return byArns(resourceType, selector.arns, selectionMode);
  if (selector?.tags && Object.keys(selector.tags).length)
    return { resourceType, resourceTags: { ...selector.tags }, selectionMode };
  return { problems: [`set ${field} (arns or tags)`] };
}

const byArns = (
  resourceType: string,
  arns: string[],
  selectionMode = 'ALL',
): CreateExperimentTemplateTargetInput => ({
  resourceType,
  resourceArns: [...arns],
  selectionMode,
});
