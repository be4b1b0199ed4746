import { httpRequest } from '../core/http-client.ts';
import { type ExternalAlertSource, merge, type ObservedAlert } from './alert-source.ts';

interface PrometheusAlerts {
  status: string;
  data: { alerts: { labels: Record<string, string>; state: string }[] };
}

interface PrometheusRules {
  status: string;
  data: { groups: { rules: { type: string; name: string }[] }[] };
}

async function getJson<T>(url: string, timeoutMs: number): Promise<T> {
  const response = await httpRequest<T>(url, { timeoutMs });
  if (response.status !== 200)
    throw new Error(`HTTP ${response.status} from ${url}: ${response.raw.toString('utf8').slice(0, 200)}`);
  if (typeof response.body !== 'object' || response.body === null)
    throw new Error(`${url} did not answer JSON: ${response.raw.toString('utf8').slice(0, 200)}`);
  return response.body;
}

/** The team's Prometheus: an alert's state as its rule manager holds it (GET /api/v1/alerts). */
export function prometheusSource(baseUrl: string): ExternalAlertSource {
  const base = baseUrl.replace(/\/+$/, '');
  return {
    kind: 'prometheus',
    url: baseUrl,
    async check(timeoutMs) {
      await getJson<PrometheusAlerts>(`${base}/api/v1/alerts`, timeoutMs);
    },
    async alerts(timeoutMs) {
      const body = await getJson<PrometheusAlerts>(`${base}/api/v1/alerts`, timeoutMs);
      const alerts = new Map<string, ObservedAlert>();
      for (const alert of body.data.alerts) {
        const name = alert.labels.alertname;
        if (!name || (alert.state !== 'pending' && alert.state !== 'firing')) continue;
        alerts.set(name, merge(alerts.get(name), { state: alert.state }));
      }
      return alerts;
    },
    async knownAlerts(timeoutMs) {
      const body = await getJson<PrometheusRules>(`${base}/api/v1/rules?type=alert`, timeoutMs);
      return new Set(
        body.data.groups.flatMap((group) =>
          group.rules.filter((rule) => rule.type === 'alerting').map((rule) => rule.name),
        ),
      );
    },
  };
}

export { getJson };
