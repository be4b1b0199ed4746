import type { TargetSpec } from '../../fis/shapes.ts';
import type { FisExportConfig } from '../../fis/templates.ts';
import type { Stack } from '../../stack/stack.ts';

/**
 * A local stack's parts as FIS finds them in an AWS account: the primary database is an RDS instance,
 * the streaming pair an Aurora-like cluster, each backend replica an ECS task (and an EKS pod), and the
 * network around each dependency a subnet. The names are fixed, not per stack, so a template written
 * once (or by `gameday export fis`) targets whichever stack the endpoint serves now.
 */

/** The account and region the local endpoint's ARNs use (FIS's own defaults in fis-service.ts). */
export const LOCAL_ACCOUNT = { region: 'us-east-1', accountId: '123456789012' } as const;

/** Names the local parts answer to: ECS cluster and service, EKS cluster, namespace and selectors. */
export const LOCAL_NAMES = {
  cluster: 'gameday',
  service: 'chat-backend',
  namespace: 'gameday',
  deployment: 'chat-backend',
  label: 'app=chat-backend',
} as const;

/** Tags that find the backend's tasks and the subnets (what a team would tag its own resources with). */
export const LOCAL_TAGS = {
  backend: { 'gameday:component': 'chat-backend' },
  subnet: (role: SubnetRole) => ({ 'gameday:subnet': role }),
} as const;

/**
 * How the backend reaches each dependency, as `sources` of a latency action names it (FIS takes IP
 * addresses, CIDR blocks, domain names, DYNAMODB or S3): the database and replica by domain name, the
 * attachment store as S3.
 */
export const LOCAL_SOURCES = {
  database: 'database.gameday.internal',
  replica: 'replica.gameday.internal',
  objectStore: 'S3',
} as const;

export type DependencyRole = keyof typeof LOCAL_SOURCES;
export type SubnetRole = 'database' | 'replica' | 'backend';

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

const arn = (service: string, resource: string) =>
  `arn:aws:${service}:${LOCAL_ACCOUNT.region}:${LOCAL_ACCOUNT.accountId}:${resource}`;

export const LOCAL_ARNS = {
  role: `arn:aws:iam::${LOCAL_ACCOUNT.accountId}:role/gameday-local-fis`,
  primary: arn('rds', 'db:gameday-primary'),
  replicaDatabase: arn('rds', 'db:gameday-replica'),
  cluster: arn('rds', 'cluster:gameday'),
  task: (replica: string) => arn('ecs', `task/${LOCAL_NAMES.cluster}/${replica}`),
  subnet: (role: SubnetRole) => arn('ec2', `subnet/subnet-gameday-${role}`),
} as const;

/** The stack's parts as they are now (a replica replaced since is a new task). */
export function localResources(stack: Stack): LocalResource[] {
  const { database, proxies } = stack.endpoints;
  const resources: LocalResource[] = [
    {
      resourceType: 'aws:rds:db',
      id: LOCAL_ARNS.primary,
      tags: { 'gameday:component': 'database-primary' },
      part: { kind: 'primary' },
    },
  ];
  if (database.replicaAdminUrl) {
    resources.push({
      resourceType: 'aws:rds:db',
      id: LOCAL_ARNS.replicaDatabase,
      tags: { 'gameday:component': 'database-replica' },
      part: { kind: 'replica-database' },
    });
    if (stack.capabilities.has('promote-replica'))
      resources.push({
        resourceType: 'aws:rds:cluster',
        id: LOCAL_ARNS.cluster,
        tags: { 'gameday:component': 'database' },
        part: { kind: 'cluster' },
      });
  }
  for (const replica of stack.backend.replicas()) {
    const part = { kind: 'backend', replica: replica.name } as const;
    resources.push(
      {
        resourceType: 'aws:ecs:task',
        id: LOCAL_ARNS.task(replica.name),
        tags: { ...LOCAL_TAGS.backend },
        part,
      },
      { resourceType: 'aws:eks:pod', id: replica.name, tags: {}, part },
    );
  }
  const subnets: SubnetRole[] = ['backend'];
  if (proxies.database) subnets.push('database');
  if (proxies.replica) subnets.push('replica');
  for (const role of subnets)
    resources.push({
      resourceType: 'aws:ec2:subnet',
      id: LOCAL_ARNS.subnet(role),
      tags: LOCAL_TAGS.subnet(role),
      part: { kind: 'subnet', role },
    });
  return resources;
}

/**
 * The resources a template target names, as FIS finds them: by ARNs, else by tags (every one given
 * must match), then by the resource type's parameters (an ECS cluster and service; an EKS pod's
 * cluster, namespace and selector). `filters` are not applied.
 */
export function matchTarget(resources: LocalResource[], target: TargetSpec): string[] {
  const parameters = target.parameters ?? {};
  return resources
    .filter((resource) => resource.resourceType === target.resourceType)
    .filter((resource) =>
      target.resourceArns
        ? target.resourceArns.includes(resource.id)
        : Object.entries(target.resourceTags ?? {}).every(([key, value]) => resource.tags[key] === value),
    )
    .filter((resource) => matchesParameters(resource, parameters))
    .map((resource) => resource.id);
}

function matchesParameters(resource: LocalResource, parameters: Record<string, string>): boolean {
  const same = (key: string, value: string) => parameters[key] === undefined || parameters[key] === value;
  if (resource.resourceType === 'aws:ecs:task')
    return same('cluster', LOCAL_NAMES.cluster) && same('service', LOCAL_NAMES.service);
  if (resource.resourceType !== 'aws:eks:pod' || resource.part.kind !== 'backend') return true;
  if (!same('clusterIdentifier', LOCAL_NAMES.cluster) || !same('namespace', LOCAL_NAMES.namespace))
    return false;
  const { selectorType: type, selectorValue: value } = parameters;
  if (type === 'deploymentName') return value === LOCAL_NAMES.deployment;
  if (type === 'labelSelector') return value === LOCAL_NAMES.label;
  if (type === 'podName') return value === resource.part.replica;
  return false;
}

/** The part an id resolved by `matchTarget` stands for, on the stack as it is now. */
export function partOf(resources: LocalResource[], id: string): LocalPart | undefined {
  return resources.find((resource) => resource.id === id)?.part;
}

/**
 * How gameday's templates name the local parts (fisTemplateFor's config): the primary by its ARN,
 * the backend's tasks and the subnets by tags, the dependencies by LOCAL_SOURCES.
 */
export function localFisConfig(stopConditionAlarms: string[] = []): FisExportConfig {
  return {
    roleArn: LOCAL_ARNS.role,
    targets: {
      dbInstance: LOCAL_ARNS.primary,
      ecsTasks: { tags: { ...LOCAL_TAGS.backend } },
      subnets: {
        database: { tags: LOCAL_TAGS.subnet('database') },
        replica: { tags: LOCAL_TAGS.subnet('replica') },
        backend: { tags: LOCAL_TAGS.subnet('backend') },
      },
      endpoints: { ...LOCAL_SOURCES },
    },
    stopConditionAlarms,
  };
}
