import type { Expr } from './expr.ts';

/**
 * The metrics that matter in every incident, whatever the scenario alerts on: recorded as time series
 * for the HTML report's charts and shown live to responders in game-day mode.
 */
export interface KeyMetric {
  id: 'errorRate' | 'queryP95' | 'websocketConnections' | 'databaseConnections' | 'breaker';
  title: string;
  /** How values read: a share shown as %, seconds, a count, or a breaker state (0 closed, 1 open). */
  unit: 'ratio' | 'seconds' | 'count' | 'state';
  expr: Expr;
}

export const KEY_METRICS: readonly KeyMetric[] = [
  {
    id: 'errorRate',
    title: 'Error rate (5xx share of requests, 1 min)',
    unit: 'ratio',
    expr: {
      fn: 'ratio',
      metric: 'http_requests_total',
      numerator: { status: { re: '5..' } },
      denominator: {},
      windowMs: 60_000,
    },
  },
  {
    id: 'queryP95',
    title: 'p95 database query time (worst replica)',
    unit: 'seconds',
    expr: { fn: 'value', metric: 'database_query_duration_seconds', match: { quantile: '0.95' }, agg: 'max' },
  },
  {
    id: 'websocketConnections',
    title: 'Active WebSocket connections',
    unit: 'count',
    expr: { fn: 'value', metric: 'websocket_connections_active', agg: 'sum' },
  },
  {
    id: 'databaseConnections',
    title: 'Database connections (pg_stat_activity)',
    unit: 'count',
    expr: { fn: 'value', metric: 'pg_stat_activity_count', agg: 'sum' },
  },
  {
    id: 'breaker',
    title: 'Database circuit breaker (1 = open)',
    unit: 'state',
    expr: { fn: 'value', metric: 'circuit_breaker_state', match: { breaker: 'database' }, agg: 'max' },
  },
];
