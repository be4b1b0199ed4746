/**
 * Where "the alert fired" is read from. `builtin` is gameday's own evaluator (always run, for parity);
 * `prometheus` reads the team's Prometheus (/api/v1/alerts: pending, firing); `alertmanager` reads
 * what reached the team's Alertmanager (/api/v2/alerts: active, or suppressed by a silence or an
 * inhibition).
 */
export type AlertSourceKind = 'builtin' | 'prometheus' | 'alertmanager';

export const ALERT_SOURCE_KINDS: readonly AlertSourceKind[] = ['builtin', 'prometheus', 'alertmanager'];

/** One alert as a source sees it now. */
export interface ObservedAlert {
  state: 'pending' | 'firing';
  /** Alertmanager holds it but routes it nowhere: a silence or an inhibition (with their ids). */
  suppressed?: { by: 'silence' | 'inhibition'; ids: string[] };
}

/** A real alerting system, read over its HTTP API. */
export interface ExternalAlertSource {
  readonly kind: Exclude<AlertSourceKind, 'builtin'>;
  /** The API's base URL, as the user gave it (for messages). */
  readonly url: string;
  /** Resolves when the API answers; rejects with what was seen otherwise. */
  check(timeoutMs: number): Promise<void>;
  /** Every alert the source holds now, by name; an alert not in the map is inactive there. */
  alerts(timeoutMs: number): Promise<Map<string, ObservedAlert>>;
  /** The alert names the source can ever raise (Prometheus: its alerting rules); undefined when it cannot tell. */
  knownAlerts(timeoutMs: number): Promise<Set<string> | undefined>;
}

/** The state of several alerts of one name: firing if any is, else pending. */
export function merge(previous: ObservedAlert | undefined, next: ObservedAlert): ObservedAlert {
  if (!previous) return next;
  if (previous.state === 'firing' && !previous.suppressed) return previous;
  if (next.state === 'firing' && !next.suppressed) return next;
  return previous.state === 'firing' ? previous : next;
}
