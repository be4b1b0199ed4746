import { type Comparator, toPrometheusRule } from '../detection/alert-rule.ts';
import type { Expr } from '../detection/expr.ts';
import type { ResolvedScenario } from '../engine/resolve-scenario.ts';
import type { TrafficModel } from './runtime/chat-api.ts';
import { type Endpoint, ROUTES } from './runtime/routes.ts';

/** While this holds the alert stays quiet; k6 fails the run (exit 99) once it does not. */
const QUIET: Record<Comparator, string> = { '>': '<=', '>=': '<', '<': '>=', '<=': '>' };

/** Server-side timings whose client-side face is the legitimate users' request duration. */
const QUERY_SECONDS = [
  'database_query_duration_seconds',
  'database_query_longest_running_seconds',
  'pg_stat_activity_max_query_duration_seconds',
];

export interface K6Thresholds {
  thresholds: Record<string, string[]>;
  /** One line per threshold and per signal k6 cannot see, for the script's header. */
  notes: string[];
}

function endpointOf(route: unknown, method: unknown): Endpoint | undefined {
  const found = Object.entries(ROUTES).find(([, [m, r]]) => m === method && r === route);
  return found?.[0] as Endpoint | undefined;
}

function round(value: number): number {
  return Number(value.toPrecision(4));
}

/** The alert as a k6 threshold where clients can see its signal; undefined where only the server can. */
function alertThreshold(expr: Expr, quiet: string, threshold: number, timeScale: number, faultMs: number) {
  if (expr.fn === 'ratio' && expr.metric === 'http_requests_total') {
    const endpoint = endpointOf(expr.numerator.route, expr.numerator.method);
    const status = expr.numerator.status;
    if (endpoint && typeof status === 'object' && 're' in status && status.re === '5..')
      return { metric: `chat_server_errors{endpoint:${endpoint}}`, expression: `rate${quiet}${threshold}` };
  }
  if (expr.fn === 'value' && QUERY_SECONDS.includes(expr.metric)) {
    const quantile = expr.match?.quantile;
    const p = typeof quantile === 'string' ? round(Number(quantile) * 100) : 95;
    return {
      metric: 'http_req_duration{scenario:users}',
      expression: `p(${p})${quiet}${round(threshold * 1000)}`,
    };
  }
  if (expr.fn === 'max-increase-by' && expr.metric === 'auth_failures_total' && expr.by === 'source_ip') {
    // One runner's requests all come from its address. A steady attack puts `threshold` failures in
    // one window iff it puts threshold x (fault window / alert window) in the fault window; a count
    // over the run, unlike k6's counter rate, does not depend on how long the run's tail lasts.
    const windows = faultMs / (expr.windowMs / timeScale);
    return { metric: 'chat_login_failures', expression: `count${quiet}${round(threshold * windows)}` };
  }
  return undefined;
}

/**
 * Thresholds from the runbook's alert trigger, as resolved for the scenario (threshold, comparator,
 * window at the time scale), so `k6 run` fails when the alert would fire; plus the scenario's
 * invariants that clients can see. k6 judges them over the whole run, not the alert's `for` window.
 */
export function k6Thresholds(
  resolved: ResolvedScenario,
  timeScale: number,
  model: TrafficModel,
): K6Thresholds {
  const { rule } = resolved;
  const thresholds: Record<string, string[]> = {};
  const notes: string[] = [];
  const promql = toPrometheusRule(rule).expr as string;
  const fromAlert = alertThreshold(
    rule.expr,
    QUIET[rule.comparator],
    rule.threshold,
    timeScale,
    model.faultMs,
  );
  if (fromAlert) {
    thresholds[fromAlert.metric] = [fromAlert.expression];
    notes.push(
      `${fromAlert.metric} ${fromAlert.expression}: the alert ${rule.name} (${promql}) as clients see it`,
    );
  } else {
    notes.push(
      `the alert ${rule.name} (${promql}) is measured on the server, not by k6: watch it in Prometheus`,
    );
  }
  if (resolved.scenario.invariants.includes('legitimate-traffic-ok')) {
    thresholds.chat_blocked = ['rate==0'];
    notes.push(
      'chat_blocked rate==0: no legitimate user refused as blocked (invariant legitimate-traffic-ok)',
    );
  }
  return { thresholds, notes };
}
