import type { Stack } from '../stack/stack.ts';
import type { Sample } from './prometheus-text.ts';

/** The restart count of each backend replica, as kube-state-metrics exports it from the API. */
export const RESTARTS_METRIC = 'kube_pod_container_status_restarts_total';

/**
 * What kube-state-metrics would say about the backend's pods. A replica killed out of memory cannot
 * report its own death (its counters die with it, and the front only drops the connections), so its
 * restarts are seen from outside, as on Kubernetes.
 */
export function deploymentState(stack: Stack): Sample[] {
  return stack.backend.replicas().map((replica) => ({
    name: RESTARTS_METRIC,
    labels: { pod: replica.name, release: replica.release },
    value: replica.restarts,
  }));
}
