import type { RemedyStepSpec } from './define-scenario.ts';
import type { AlertInput, ScenarioInput } from './schema.ts';

type ScenarioExpr = AlertInput['expr'];

/**
 * The signals the runbooks alert on, as expressions scenario files can share instead of spelling out
 * the same label matchers again.
 */

/** Share of requests to one route (and method) that answered 5xx, over a window of runbook time. */
export function errorRatio(route: string, method: string, window: string): ScenarioExpr {
  return {
    fn: 'ratio',
    metric: 'http_requests_total',
    numerator: { route, method, status: { re: '5..' } },
    denominator: { route, method },
    window,
  };
}

/** The backend's database query-time quantile, as the runbook's alert reads it (worst replica). */
export function databaseQueryQuantile(quantile = '0.95'): ScenarioExpr {
  return { fn: 'value', metric: 'database_query_duration_seconds', match: { quantile }, agg: 'max' };
}

export const SEND_MESSAGE = { route: '/api/v1/chat/conversations/:id/messages', method: 'POST' } as const;

/** How long the oldest unfinished query has been running (worst replica): blocked queries show here. */
export function longestRunningQuery(): ScenarioExpr {
  return { fn: 'value', metric: 'database_query_longest_running_seconds', agg: 'max' };
}

/** Runbook 4's alert: any replica's database breaker open (its trigger states no number: state ≥ 1). */
export function circuitBreakerAlert(): AlertInput {
  return {
    name: 'CircuitBreakerOpen',
    unit: 'state',
    comparator: '>=',
    threshold: 1,
    expr: circuitBreakerOpen(),
  };
}

/** Runbook 4's "Circuit breaker OPEN": 1 while any replica's database breaker is open. */
export function circuitBreakerOpen(): ScenarioExpr {
  return { fn: 'value', metric: 'circuit_breaker_state', match: { breaker: 'database' }, agg: 'max' };
}

/** How long the oldest active query on the primary has run (the runbook's pg_stat_activity query). */
export function oldestActiveQuery(): ScenarioExpr {
  return { fn: 'value', metric: 'pg_stat_activity_max_query_duration_seconds', agg: 'max' };
}

/**
 * Runbook 6's alert, "message counts disagree (database vs app state)": any violation at all among
 * duplicate message_ids, orphaned messages and acknowledged messages missing.
 */
export function integrityAlert(): AlertInput {
  return {
    name: 'MessageIntegrityViolated',
    unit: 'count',
    threshold: 0,
    comparator: '>',
    expr: { fn: 'value', metric: 'message_integrity_violations', agg: 'sum' },
  };
}

/** Runbook 1's alert on the message-send endpoint: the share of sends answered 5xx. */
export function sendErrorRateAlert(): AlertInput {
  return {
    name: 'ChatSendErrorRateHigh',
    unit: 'ratio',
    expr: errorRatio(SEND_MESSAGE.route, SEND_MESSAGE.method, '5m'),
  };
}

/** A recovery check: fewer than 1 % of message sends fail over the last minute (runbook time). */
export function sendsSucceedCheck(): NonNullable<NonNullable<ScenarioInput['recovered']>['checks']>[number] {
  return {
    name: 'message sends succeed',
    comparator: '<',
    threshold: 0.01,
    expr: errorRatio(SEND_MESSAGE.route, SEND_MESSAGE.method, '1m'),
  };
}

/** Runbook 2's alert: Socket.IO connections over all replicas. */
export function websocketConnectionsAlert(): AlertInput {
  return {
    name: 'WebSocketConnectionsHigh',
    unit: 'count',
    expr: { fn: 'value', metric: 'websocket_connections_active', agg: 'sum' },
  };
}

/** Runbook 6's first step, "stop the bleed", and turning writes back on once the data is sound. */
export const STOP_MESSAGE_WRITES = {
  action: 'set-env',
  env: { FEATURE_FLAG_MESSAGE_WRITE: 'disabled' },
  runbookStep: 'kubectl set env deployment/chat-backend FEATURE_FLAG_MESSAGE_WRITE=disabled -n production',
} as const satisfies RemedyStepSpec;
export const RESUME_MESSAGE_WRITES = {
  action: 'set-env',
  env: { FEATURE_FLAG_MESSAGE_WRITE: null },
} as const satisfies RemedyStepSpec;

/** Runbook 4's database recovery: promote the streaming replica, then point the backend at it. */
export const FAIL_OVER_TO_REPLICA = [
  {
    action: 'promote-replica',
    runbookStep: 'aws rds promote-read-replica --db-instance-identifier chatdb-prod-replica-1',
  },
  {
    action: 'repoint-database',
    runbookStep: 'kubectl set env deployment/chat-backend DATABASE_URL=…replica-1…',
  },
] as const satisfies RemedyStepSpec[];

/** Runbook 2's claim: each WebSocket connection costs about 2 MB of backend memory. */
export function memoryPerConnectionClaim() {
  return {
    kind: 'per-unit' as const,
    claim: 'each connection consumes ~2 MB',
    claimed: 2 * 1024 * 1024,
    unit: 'bytes',
    numerator: { fn: 'value' as const, metric: 'process_resident_memory_bytes', agg: 'sum' as const },
    denominator: { fn: 'value' as const, metric: 'websocket_connections_active', agg: 'sum' as const },
  };
}
