/**
 * FIS's actions, as a registry (one entry per action id, in FIS's own shape: what GetAction returns).
 * Target keys and parameters follow the FIS actions reference, cross-checked with Floci's catalogue
 * (see ../shared/notes/real-world-bridges.md, section 1). An action with a `duration` parameter lasts
 * that long and is undone at its end; one without it is instant (a reboot, a stopped task).
 */

export interface FisParameter {
  description: string;
  required?: boolean;
}

export interface FisActionType {
  description: string;
  /** Target key (as an action's `targets` names it) → the resource type it takes. */
  targets: Record<string, string>;
  parameters: Record<string, FisParameter>;
}

const duration: FisParameter = {
  description: 'The duration of the action, in ISO 8601 format (PT1M to PT12H).',
  required: true,
};
const p = (description: string): FisParameter => ({ description });

/** Parameters FIS takes on every task action that runs through the SSM agent sidecar. */
const taskNetwork = {
  flowsPercent: p('The percentage of network flows affected (default 100).'),
  sources: p('Comma-separated IPv4 addresses, CIDR blocks, domain names, DYNAMODB or S3 (default ALL).'),
  installDependencies: p('Install the tools the fault needs on the task (default true).'),
  useEcsFaultInjectionEndpoints: p("Use ECS's fault injection endpoints instead of the SSM agent."),
};

/** Parameters FIS takes on every EKS pod action (it runs a FIS pod in the cluster). */
const podCommon = {
  kubernetesServiceAccount: { description: 'The Kubernetes service account FIS uses.', required: true },
  fisPodContainerImage: p('The container image of the FIS pod.'),
  maxErrorsPercent: p('The percentage of targets that may fail before the action fails (default 0).'),
  fisPodLabels: p('Labels of the FIS pod, as JSON.'),
  fisPodAnnotations: p('Annotations of the FIS pod, as JSON.'),
  fisPodSecurityPolicy: p('The pod security standard of the FIS pod (privileged, baseline, restricted).'),
};

export const FIS_ACTIONS: Record<string, FisActionType> = {
  'aws:fis:wait': {
    description: 'Wait for the specified duration. Stop condition monitoring will continue during this time.',
    targets: {},
    parameters: { duration },
  },
  'aws:rds:failover-db-cluster': {
    description: 'Failover a DB Cluster to one of the replicas.',
    targets: { Clusters: 'aws:rds:cluster' },
    parameters: {},
  },
  'aws:rds:reboot-db-instances': {
    description: 'Reboot the specified DB instances.',
    targets: { DBInstances: 'aws:rds:db' },
    parameters: { forceFailover: p('Fail over to the standby of a Multi-AZ instance (default false).') },
  },
  'aws:ecs:stop-task': {
    description: 'Stop the specified ECS tasks.',
    targets: { Tasks: 'aws:ecs:task' },
    parameters: {},
  },
  'aws:ecs:task-network-latency': {
    description: 'Add latency to the network interface of the specified ECS tasks.',
    targets: { Tasks: 'aws:ecs:task' },
    parameters: {
      duration,
      delayMilliseconds: p('The delay in milliseconds (default 200).'),
      jitterMilliseconds: p('The jitter in milliseconds (default 10).'),
      ...taskNetwork,
    },
  },
  'aws:ecs:task-network-packet-loss': {
    description: 'Drop packets on the network interface of the specified ECS tasks.',
    targets: { Tasks: 'aws:ecs:task' },
    parameters: { duration, lossPercent: p('The percentage of packets lost (default 7).'), ...taskNetwork },
  },
  'aws:ecs:task-cpu-stress': {
    description: 'Run CPU stress on the specified ECS tasks.',
    targets: { Tasks: 'aws:ecs:task' },
    parameters: {
      duration,
      percent: p('The target CPU load, 0 to 100 (default 100).'),
      workers: p('The number of stressors (default 0: all CPUs).'),
      installDependencies: taskNetwork.installDependencies,
    },
  },
  'aws:eks:pod-network-latency': {
    description: 'Add latency to the network interface of the specified EKS pods.',
    targets: { Pods: 'aws:eks:pod' },
    parameters: {
      duration,
      ...podCommon,
      interface: p('The network interface (default eth0).'),
      delayMilliseconds: p('The delay in milliseconds (default 200).'),
      jitterMilliseconds: p('The jitter in milliseconds (default 10).'),
      flowsPercent: taskNetwork.flowsPercent,
      sources: taskNetwork.sources,
    },
  },
  'aws:eks:pod-delete': {
    description: 'Delete the specified EKS pods.',
    targets: { Pods: 'aws:eks:pod' },
    parameters: { ...podCommon, gracePeriodSeconds: p('The grace period before the pod is killed.') },
  },
  'aws:network:disrupt-connectivity': {
    description: 'Deny traffic to or from the specified subnets.',
    targets: { Subnets: 'aws:ec2:subnet' },
    parameters: {
      duration,
      scope: {
        description: 'The traffic denied: all, availability-zone, dynamodb, prefix-list or s3.',
        required: true,
      },
      prefixListIdentifier: p('The prefix list, when scope is prefix-list.'),
    },
  },
  'aws:ssm:send-command': {
    description: 'Run the specified SSM document.',
    targets: { Instances: 'aws:ec2:instance' },
    parameters: {
      documentArn: { description: 'The ARN of the SSM document.', required: true },
      documentVersion: p('The version of the document (default: the default version).'),
      documentParameters: p('The parameters of the document, as JSON.'),
      duration,
    },
  },
};

export interface FisResourceType {
  description: string;
  /** Target parameters (instead of ARNs or tags: how aws:eks:pod targets are found). */
  parameters: Record<string, FisParameter>;
}

const required = (description: string): FisParameter => ({ description, required: true });

export const FIS_RESOURCE_TYPES: Record<string, FisResourceType> = {
  'aws:ec2:instance': { description: 'An EC2 instance.', parameters: {} },
  'aws:ec2:subnet': { description: 'A VPC subnet.', parameters: {} },
  'aws:ecs:task': {
    description: 'An ECS task.',
    parameters: { cluster: p('The ECS cluster of the tasks.'), service: p('The ECS service of the tasks.') },
  },
  'aws:eks:pod': {
    description: 'A Kubernetes pod in an EKS cluster.',
    parameters: {
      clusterIdentifier: required('The name or ARN of the EKS cluster.'),
      namespace: required('The Kubernetes namespace of the pods.'),
      selectorType: required('How pods are selected: labelSelector, deploymentName or podName.'),
      selectorValue: required('The selector value.'),
      targetContainerName: p('The container in the pod (default: the first one).'),
    },
  },
  'aws:rds:cluster': { description: 'An Aurora DB cluster.', parameters: {} },
  'aws:rds:db': { description: 'An RDS DB instance.', parameters: {} },
};
