import type { Capability } from '../stack.ts';

/**
 * What the testcontainers stack can do, apart from the stack itself: scenarios are chosen by it before
 * any container starts, and the stack's module loads testcontainers (gRPC, dockerode), which only a run
 * on this stack should pay for.
 */
export const TESTCONTAINERS_CAPABILITIES: ReadonlySet<Capability> = new Set<Capability>([
  'rollout',
  'scale',
  'database-lifecycle',
  'database-freeze',
  'promote-replica',
  'fault-proxy',
  'database-superuser',
  // A new stack is started after a scenario that uses one up.
  'reset',
  'network-partition',
]);
