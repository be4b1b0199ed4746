import { httpRequest } from '../core/http-client.ts';
import type { Stack } from '../stack/stack.ts';
import { parsePrometheusText, type Sample } from './prometheus-text.ts';

/**
 * Every backend replica's own /metrics, each sample labelled with its pod, gathered when Prometheus
 * scrapes: the pods as Kubernetes service discovery would hand them to Prometheus. Prometheus's own
 * discovery passes a changed target list on at most every 5 s (hard-coded in its discovery manager),
 * longer than a whole alert window at time scale 60: a replica started by a rollout would go unscraped
 * for its first seconds. Gathered here, a new replica is scraped on the next round, as on Kubernetes,
 * where pod discovery is fast beside a 15 s scrape interval. A replica that does not answer is left
 * out, so Prometheus marks its series stale, as it does for a target that is gone.
 */
export function replicaRelay(stack: Stack, timeoutMs: number): () => Promise<Sample[]> {
  return async () => {
    const replicas = stack.backend.replicas();
    const pages = await Promise.all(
      replicas.map(async (replica) => {
        try {
          const response = await httpRequest<string>(`${replica.url}/metrics`, { timeoutMs });
          if (response.status !== 200) return [];
          return parsePrometheusText(response.raw.toString('utf8')).map((sample) => ({
            ...sample,
            labels: { ...sample.labels, pod: replica.name },
          }));
        } catch {
          return [];
        }
      }),
    );
    return pages.flat();
  };
}
