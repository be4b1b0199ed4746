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
}

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
  },
  {
    promise: 'slow or long-running queries',
    label: /\b(slow|long[- ]running)\b/i,
    shows: (_, { columns }) =>
      columns.some((column) => DURATION_COLUMN.test(column)) &&
      columns.some((column) => /query/i.test(column)),
    missing: 'it has no column with both how long a query has run and the query',
  },
  {
    promise: 'the blocking sessions',
    label: /\bblock(ing|ers?|s)?\b/i,
    shows: (sql, { columns }) =>
      columns.some((column) => /block/i.test(column)) || /\bpg_blocking_pids\b/i.test(sql),
    missing: 'no column names a blocking session',
  },
  {
    promise: 'lock contention',
    label: /\block\s+contention\b|\bwaiting\s+for\s+locks?\b/i,
    shows: (sql, { columns }) =>
      columns.some((column) => /^(granted|wait_event(_type)?|mode)$/i.test(column)) ||
      /\bpg_blocking_pids\b/i.test(sql),
    missing: 'nothing in it says which sessions wait for a lock',
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
  },
];

/** The label a step carries: the comment just above it, else the bold step line above its block. */
export function labelOf(step: RunbookStep): string | undefined {
  return step.comment ?? step.label;
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
