import { FIX_MARK } from './claims.ts';
import type { RunbookStep } from './steps.ts';
import type { Judgement } from './verdicts.ts';

/** What a query returned, as a label is judged against it. */
export interface QueryResult {
  columns: string[];
  rows: Record<string, unknown>[];
}

interface LabelRule {
  /** What the label promises, in the verdict's words. */
  promise: string;
  label: RegExp;
  /** Whether the query (its text and its result) can show that. */
  shows(sql: string, result: QueryResult): boolean;
  /** Why it cannot, in words. */
  missing: string;
  /** A query on the server's views that does show it (`gameday runbook fix` writes it in). */
  fix?: string;
}

/** Who waits for whom: PostgreSQL works out the lock conflicts (pg_blocking_pids), not a pg_locks self-join. */
const BLOCKING_QUERY =
  'SELECT waiting.pid AS waiting_pid, waiting.query AS waiting_query, holder.pid AS blocking_pid, holder.state AS blocking_state, holder.query AS blocking_query FROM pg_stat_activity waiting JOIN pg_stat_activity holder ON holder.pid = ANY (pg_blocking_pids(waiting.pid));';

const DURATION_COLUMN = /duration|elapsed|running|age\b|_time$|^time$|seconds|_ms$|since|started|_start$/i;
/** Columns or expressions by which a query picks out one client's sessions from the server's. */
const CLIENT = /\b(application_name|usename|client_addr|client_hostname|backend_type)\b/i;

/**
 * What a heading or comment says a query shows, and what its result must then contain. A label only
 * binds a query that reads the server's own views (pg_*): "Slow query" above a query on the
 * application's tables names the query itself, not what its rows are.
 */
const LABEL_RULES: LabelRule[] = [
  {
    promise: 'CPU',
    label: /\bcpu\b/i,
    // A running session not waiting on anything is on a CPU; without wait_event, waiting looks the same.
    shows: (sql, { columns }) => columns.some((column) => /cpu/i.test(column)) || /\bwait_event/i.test(sql),
    missing:
      'nothing in it measures CPU: no CPU column, and it does not set running sessions apart from waiting ones (wait_event)',
    // Active with no wait_event: on a CPU. Idle-in-transaction sessions stay in view (they hold locks).
    fix: "SELECT pid, state, wait_event_type, wait_event, now() - query_start AS running_for, query FROM pg_stat_activity WHERE state <> 'idle' AND pid <> pg_backend_pid() ORDER BY running_for DESC NULLS LAST;",
  },
  {
    promise: 'slow or long-running queries',
    label: /\b(slow|long[- ]running)\b/i,
    shows: (_, { columns }) =>
      columns.some((column) => DURATION_COLUMN.test(column)) &&
      columns.some((column) => /query/i.test(column)),
    missing: 'it has no column with both how long a query has run and the query',
    // Who runs it and in what state: a session idle in a transaction for minutes is the long runner
    // a connection leak leaves behind, and its application is the culprit.
    fix: "SELECT pid, application_name, state, now() - query_start AS duration, query FROM pg_stat_activity WHERE state <> 'idle' AND pid <> pg_backend_pid() ORDER BY duration DESC NULLS LAST;",
  },
  {
    promise: 'the blocking sessions',
    label: /\bblock(ing|ers?|s)?\b/i,
    shows: (sql, { columns }) =>
      columns.some((column) => /block/i.test(column)) || /\bpg_blocking_pids\b/i.test(sql),
    missing: 'no column names a blocking session',
    fix: BLOCKING_QUERY,
  },
  {
    promise: 'lock contention',
    label: /\block\s+contention\b|\bwaiting\s+for\s+locks?\b/i,
    shows: (sql, { columns }) =>
      columns.some((column) => /^(granted|wait_event(_type)?|mode)$/i.test(column)) ||
      /\bpg_blocking_pids\b/i.test(sql),
    missing: 'nothing in it says which sessions wait for a lock',
    fix: BLOCKING_QUERY,
  },
  {
    promise: 'a cache hit ratio',
    label: /\bcache\s+hit/i,
    shows: (_, { columns }) => columns.some((column) => /hit/i.test(column)),
    missing: 'no column gives a hit ratio',
  },
  {
    promise: "the application's connection pool",
    label: /\bconnection\s+pool\b/i,
    shows: (sql) => CLIENT.test(sql),
    missing:
      "it counts every session of the server (workers, replication, other clients and psql included) and does not pick out the application's: the pool's own use (size, busy, waiting) is not in it",
    fix: "SELECT application_name, state, count(*) AS connections FROM pg_stat_activity WHERE backend_type = 'client backend' GROUP BY application_name, state ORDER BY connections DESC;",
  },
];

/**
 * A query that shows what the step's label promises, for a step whose result did not: undefined when
 * no rule knows the label or has no query for it.
 */
export function labelFix(step: RunbookStep): { promise: string; sql: string } | undefined {
  const label = labelOf(step);
  const rule = label === undefined ? undefined : LABEL_RULES.find((candidate) => candidate.label.test(label));
  return rule?.fix ? { promise: rule.promise, sql: rule.fix } : undefined;
}

/** The label a step carries: the comment just above it, else the bold step line above its block. */
export function labelOf(step: RunbookStep): string | undefined {
  // The note `gameday runbook fix` leaves beside a step it changed is not what the step says it shows.
  const written = step.comment ?? step.label;
  const label = written === undefined ? '' : written.split(FIX_MARK)[0]!.trim();
  return label || undefined;
}

/**
 * The label against the result: a heading or comment that says what a query shows ("CPU usage",
 * "Find blocking queries", "Check connection pool") is only true if the result can contain that.
 * Undefined when the label promises nothing these rules know, or the query reads application tables.
 */
export function judgeLabel(
  step: RunbookStep,
  sql: string,
  tables: readonly string[],
  result: QueryResult,
  context = '',
): Judgement | undefined {
  const label = labelOf(step);
  if (!label || tables.length === 0 || !tables.every((table) => /^(pg_catalog\.)?pg_/i.test(table)))
    return undefined;
  const rule = LABEL_RULES.find((candidate) => candidate.label.test(label));
  if (!rule) return undefined;
  const columns = result.columns.length > 0 ? result.columns : Object.keys(result.rows[0] ?? {});
  const listed = `${columns.slice(0, 8).join(', ')}${columns.length > 8 ? `, … (${columns.length} columns)` : ''}`;
  if (rule.shows(sql, { columns, rows: result.rows }))
    return {
      rule: 'label',
      status: 'ok',
      observed: `"${label}": its columns (${listed}) show ${rule.promise}`,
    };
  return {
    rule: 'label',
    status: 'inaccurate',
    observed: `"${label}" promises ${rule.promise}, but ${rule.missing} (columns: ${listed})${context ? `; ${context}` : ''}`,
  };
}
