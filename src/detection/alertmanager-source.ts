import { type ExternalAlertSource, merge, type ObservedAlert } from './alert-source.ts';
import { getJson } from './prometheus-source.ts';

interface AlertmanagerAlert {
  labels: Record<string, string>;
  endsAt: string;
  status: { state: 'unprocessed' | 'active' | 'suppressed'; silencedBy: string[]; inhibitedBy: string[] };
}

/**
 * The team's Alertmanager: what reached the router (GET /api/v2/alerts). `active` is routed to its
 * receivers (firing); `suppressed` is held by a silence or an inhibition; `unprocessed` has arrived
 * but is not routed yet (pending). An alert whose endsAt has passed is resolved.
 */
export function alertmanagerSource(baseUrl: string): ExternalAlertSource {
  const base = baseUrl.replace(/\/+$/, '');
  const query = 'active=true&silenced=true&inhibited=true&unprocessed=true';
  return {
    kind: 'alertmanager',
    url: baseUrl,
    async check(timeoutMs) {
      await getJson<unknown>(`${base}/api/v2/status`, timeoutMs);
    },
    async alerts(timeoutMs) {
      const body = await getJson<AlertmanagerAlert[]>(`${base}/api/v2/alerts?${query}`, timeoutMs);
      const now = Date.now();
      const alerts = new Map<string, ObservedAlert>();
      for (const alert of body) {
        const name = alert.labels.alertname;
        if (!name || Date.parse(alert.endsAt) <= now) continue;
        const { state, silencedBy, inhibitedBy } = alert.status;
        const observed: ObservedAlert =
          state === 'suppressed'
            ? {
                state: 'firing',
                suppressed:
                  silencedBy.length > 0
                    ? { by: 'silence', ids: silencedBy }
                    : { by: 'inhibition', ids: inhibitedBy },
              }
            : { state: state === 'active' ? 'firing' : 'pending' };
        alerts.set(name, merge(alerts.get(name), observed));
      }
      return alerts;
    },
    // Alertmanager holds no rules: it knows an alert once one has arrived.
    knownAlerts: async () => undefined,
  };
}
