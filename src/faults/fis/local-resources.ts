import type { TargetSpec } from '../../fis/shapes.ts';
import type { FisExportConfig } from '../../fis/templates.ts';
import type { Stack } from '../../stack/stack.ts';

/**
 * A local stack's parts as FIS finds them in an AWS account: the primary database is an RDS instance,
 * the streaming pair an Aurora-like cluster, each backend replica an ECS task (and an EKS pod), and the
 * network around each dependency a subnet. The names are fixed, not per stack, so a template written
 * once targets whichever stack the endpoint serves now; a stack config's `fis.targets` may give them
 * the team's own names (its real ARNs and tags), so its own templates run here unchanged.
 */

/** The account and region the local endpoint's ARNs use (FIS's own defaults in fis-service.ts). */
export const LOCAL_ACCOUNT = { region: 'us-east-1', accountId: '123456789012' } as const;

export type DependencyRole = 'database' | 'replica' | 'objectStore';
export type SubnetRole = 'database' | 'replica' | 'backend';

/** What each local part answers to. */
export interface LocalNames {
  primary: string;
  replicaDatabase: string;
  cluster: string;
  /** The backend's replicas as ECS tasks: their tags, cluster and service (ARNs are per replica). */
  tasks: { tags: Record<string, string>; cluster: string; service: string };
  /** …and as EKS pods: found by cluster, namespace and a deployment name or label selector. */
  pods: { clusterIdentifier: string; namespace: string; deployment: string; label: string };
  /** The network around each dependency: the subnets' ARNs, or their tags. */
  subnets: Record<SubnetRole, { arns?: string[]; tags?: Record<string, string> }>;
  /**
   * How the backend reaches each dependency, as `sources` of a latency action names it (FIS takes IP
   * addresses, CIDR blocks, domain names, DYNAMODB or S3).
   */
  sources: Record<DependencyRole, string>;
}

const arn = (service: string, resource: string) =>
  `arn:aws:${service}:${LOCAL_ACCOUNT.region}:${LOCAL_ACCOUNT.accountId}:${resource}`;

export const LOCAL_ROLE_ARN = `arn:aws:iam::${LOCAL_ACCOUNT.accountId}:role/gameday-local-fis`;

export const DEFAULT_LOCAL_NAMES: LocalNames = {
  primary: arn('rds', 'db:gameday-primary'),
  replicaDatabase: arn('rds', 'db:gameday-replica'),
  cluster: arn('rds', 'cluster:gameday'),
  tasks: { tags: { 'gameday:component': 'chat-backend' }, cluster: 'gameday', service: 'chat-backend' },
  pods: {
    clusterIdentifier: 'gameday',
    namespace: 'gameday',
    deployment: 'chat-backend',
    label: 'app=chat-backend',
  },
  subnets: {
    database: { tags: { 'gameday:subnet': 'database' } },
    replica: { tags: { 'gameday:subnet': 'replica' } },
    backend: { tags: { 'gameday:subnet': 'backend' } },
  },
  sources: { database: 'database.gameday.internal', replica: 'replica.gameday.internal', objectStore: 'S3' },
};

/** A task's ARN: the replica's name in the tasks' cluster. */
export const taskArn = (names: LocalNames, replica: string) =>
  arn('ecs', `task/${names.tasks.cluster}/${replica}`);

/** The local names with a stack config's `fis.targets` over them: the team's own ARNs and tags. */
export function localNamesFrom(targets: FisExportConfig['targets'] = {}): LocalNames {
  const names = structuredClone(DEFAULT_LOCAL_NAMES);
  if (targets.dbInstance) names.primary = targets.dbInstance;
  if (targets.dbCluster) names.cluster = targets.dbCluster;
  const { ecsTasks, eksPods, subnets, endpoints } = targets;
  if (ecsTasks?.tags) names.tasks.tags = { ...ecsTasks.tags };
  if (ecsTasks?.cluster) names.tasks.cluster = ecsTasks.cluster;
  if (ecsTasks?.service) names.tasks.service = ecsTasks.service;
  if (eksPods) {
    names.pods.clusterIdentifier = eksPods.clusterIdentifier;
    names.pods.namespace = eksPods.namespace;
    if (eksPods.selectorType === 'deploymentName') names.pods.deployment = eksPods.selectorValue;
    if (eksPods.selectorType === 'labelSelector') names.pods.label = eksPods.selectorValue;
  }
  for (const role of ['database', 'replica', 'backend'] as const)
    if (subnets?.[role]) names.subnets[role] = structuredClone(subnets[role]);
  for (const role of ['database', 'replica', 'objectStore'] as const)
    if (endpoints?.[role]) names.sources[role] = endpoints[role];
  return names;
}

export type LocalPart =
  | { kind: 'primary' }
  | { kind: 'replica-database' }
  | { kind: 'cluster' }
  | { kind: 'backend'; replica: string }
  | { kind: 'subnet'; role: SubnetRole };

export interface LocalResource {
  resourceType: string;
  /** What FIS resolves the target to: an ARN (a pod's name for aws:eks:pod). */
  id: string;
  tags: Record<string, string>;
  part: LocalPart;
}

/** The stack's parts as they are now (a replica replaced since is a new task). */
export function localResources(stack: Stack, names: LocalNames = DEFAULT_LOCAL_NAMES): LocalResource[] {
  const { database, proxies } = stack.endpoints;
  const resources: LocalResource[] = [
    { resourceType: 'aws:rds:db', id: names.primary, tags: {}, part: { kind: 'primary' } },
  ];
  if (database.replicaAdminUrl) {
    resources.push({
      resourceType: 'aws:rds:db',
      id: names.replicaDatabase,
      tags: {},
      part: { kind: 'replica-database' },
    });
    if (stack.capabilities.has('promote-replica'))
      resources.push({
        resourceType: 'aws:rds:cluster',
        id: names.cluster,
        tags: {},
        part: { kind: 'cluster' },
      });
  }
  for (const replica of stack.backend.replicas()) {
    const part = { kind: 'backend', replica: replica.name } as const;
    resources.push(
      { resourceType: 'aws:ecs:task', id: taskArn(names, replica.name), tags: { ...names.tasks.tags }, part },
      { resourceType: 'aws:eks:pod', id: replica.name, tags: {}, part },
    );
  }
  const subnets: SubnetRole[] = ['backend'];
  if (proxies.database) subnets.push('database');
  if (proxies.replica) subnets.push('replica');
  for (const role of subnets) {
    const { arns, tags = {} } = names.subnets[role];
    // Given by ARNs, a role may span several subnets: each is a resource of that role.
    for (const id of arns ?? [arn('ec2', `subnet/subnet-gameday-${role}`)])
      resources.push({
        resourceType: 'aws:ec2:subnet',
        id,
        tags: { ...tags },
        part: { kind: 'subnet', role },
      });
  }
  return resources;
}

/**
 * The resources a template target names, as FIS finds them: by ARNs, else by tags (every one given
 * must match), then by the resource type's parameters (an ECS cluster and service; an EKS pod's
 * cluster, namespace and selector). `filters` are not applied.
 */
export function matchTarget(
  resources: LocalResource[],
  target: TargetSpec,
  names: LocalNames = DEFAULT_LOCAL_NAMES,
): string[] {
  const parameters = target.parameters ?? {};
  return resources
    .filter((resource) => resource.resourceType === target.resourceType)
    .filter((resource) =>
      target.resourceArns
        ? target.resourceArns.includes(resource.id)
        : Object.entries(target.resourceTags ?? {}).every(([key, value]) => resource.tags[key] === value),
    )
    .filter((resource) => matchesParameters(resource, parameters, names))
    .map((resource) => resource.id);
}

function matchesParameters(
  resource: LocalResource,
  parameters: Record<string, string>,
  names: LocalNames,
): boolean {
  const same = (key: string, value: string) => parameters[key] === undefined || parameters[key] === value;
  if (resource.resourceType === 'aws:ecs:task')
    return same('cluster', names.tasks.cluster) && same('service', names.tasks.service);
  if (resource.resourceType !== 'aws:eks:pod' || resource.part.kind !== 'backend') return true;
  if (!same('clusterIdentifier', names.pods.clusterIdentifier) || !same('namespace', names.pods.namespace))
    return false;
  const { selectorType: type, selectorValue: value } = parameters;
  if (type === 'deploymentName') return value === names.pods.deployment;
  if (type === 'labelSelector') return value === names.pods.label;
  if (type === 'podName') return value === resource.part.replica;
  return false;
}

/** The part an id resolved by `matchTarget` stands for, on the stack as it is now. */
export function partOf(resources: LocalResource[], id: string): LocalPart | undefined {
  return resources.find((resource) => resource.id === id)?.part;
}

/**
 * How gameday's templates name the local parts (fisTemplateFor's config): the primary by its ARN,
 * the backend's tasks and the subnets by their tags (or ARNs), the dependencies by their sources.
 */
export function localFisConfig(
  names: LocalNames = DEFAULT_LOCAL_NAMES,
  stopConditionAlarms: string[] = [],
  roleArn = LOCAL_ROLE_ARN,
): FisExportConfig {
  return {
    roleArn,
    targets: {
      dbInstance: names.primary,
      ecsTasks: { tags: { ...names.tasks.tags } },
      subnets: structuredClone(names.subnets),
      endpoints: { ...names.sources },
    },
    stopConditionAlarms,
  };
}
