import type { RunbookDocument } from './parse-runbook.ts';
import { parameterChangesOf, shellSegments } from './shell-command.ts';
import { type RunbookStep, sqlOf } from './steps.ts';
import type { Judgement, WhatWorked } from './verdicts.ts';

/** A number the runbook writes in a step, and where. */
export interface WrittenNumber {
  value: number;
  line: number;
}

/** The numbers that decide how many database connections the backend may open. */
export interface ConnectionNumbers {
  /** Pool size per replica: the runbook's largest, and what the replicas have now. */
  pool: { written?: WrittenNumber; live: number };
  replicas: { written?: WrittenNumber; live: number };
  /** The server's limit, the runbook's raised one, and the slots kept for superusers. */
  maxConnections: { written?: WrittenNumber; live: number; reserved: number };
  /** Sessions the server has that are not the backend's (workers, replication, other clients). */
  others: number;
}

export type ConnectionQuantity = 'pool' | 'replicas' | 'maxConnections';

/** The connection numbers a step writes: `DATABASE_POOL_MAX=50`, `--replicas=10`, `max_connections … 200`. */
export function numbersOf(step: RunbookStep): Partial<Record<ConnectionQuantity, number>> {
  const found: Partial<Record<ConnectionQuantity, number>> = {};
  const sql = sqlOf(step);
  if (sql !== undefined) {
    const max = /\bALTER\s+SYSTEM\s+SET\s+max_connections\s*(?:=|TO)\s*'?(\d+)/i.exec(sql);
    if (max) found.maxConnections = Number(max[1]);
    return found;
  }
  for (const segment of shellSegments(step.text)) {
    for (const word of segment.words) {
      const pool = /^DATABASE_POOL_MAX=(\d+)$/.exec(word);
      if (pool) found.pool = Number(pool[1]);
      const replicas = /^--replicas=(\d+)$/.exec(word);
      if (replicas) found.replicas = Number(replicas[1]);
    }
    const at = segment.words.indexOf('--replicas');
    if (at >= 0 && /^\d+$/.test(segment.words[at + 1] ?? '')) found.replicas = Number(segment.words[at + 1]);
    const max = parameterChangesOf(segment.words).find((change) => change.name === 'max_connections');
    if (max && /^\d+$/.test(max.value)) found.maxConnections = Number(max.value);
  }
  return found;
}

/** The largest of each number the whole document writes, with its line: the worst case it asks for. */
export function documentNumbers(
  document: RunbookDocument,
): Partial<Record<ConnectionQuantity, WrittenNumber>> {
  const largest: Partial<Record<ConnectionQuantity, WrittenNumber>> = {};
  for (const step of document.runbooks.flatMap((runbook) => runbook.steps)) {
    for (const [quantity, value] of Object.entries(numbersOf(step)) as [ConnectionQuantity, number][]) {
      if (!largest[quantity] || value > largest[quantity]!.value)
        largest[quantity] = { value, line: step.line };
    }
  }
  return largest;
}

const where = (number: WrittenNumber | undefined, line: number) =>
  number ? (number.line === line ? 'this step' : `line ${number.line}`) : 'as it is here';

/**
 * The connection budget, judged as written: the runbook's pods times its pool per pod (plus the
 * server's other sessions) against what the database accepts, here and after the runbook's own raise
 * of max_connections. Also says what the stack carried out, at its own scale. `line`: the step judged.
 */
export function judgeConnectionBudget(
  line: number,
  numbers: ConnectionNumbers,
  carriedOut: { pool: number; replicas: number },
  /** False for a step judged without being carried out (no remedy step of the scenario does it). */
  carried = true,
): { judgement: Judgement; worked?: WhatWorked } {
  const { pool, replicas, maxConnections, others } = numbers;
  const podsWritten = replicas.written?.value ?? replicas.live;
  const poolWritten = pool.written?.value ?? pool.live;
  const demand = podsWritten * poolWritten + others;
  const available = maxConnections.live - maxConnections.reserved;
  // A step that sets the limit is judged by the limit it sets; any other by the best the runbook
  // offers (its own raise of the limit, when that is above what this database has).
  const sets = maxConnections.written?.line === line;
  const raised =
    maxConnections.written && (sets || maxConnections.written.value > maxConnections.live)
      ? maxConnections.written.value - maxConnections.reserved
      : undefined;
  const limit = sets ? raised! : Math.max(available, raised ?? 0);
  const total = carriedOut.replicas * carriedOut.pool + others;
  const asWritten =
    `as written: ${podsWritten} pods (${where(replicas.written, line)}) × a pool of ${poolWritten} (${where(pool.written, line)}) + ${others} other session(s) open now = up to ${demand} connections, ` +
    `against the ${available} this database accepts (max_connections ${maxConnections.live} − ${maxConnections.reserved} reserved)` +
    (raised === undefined
      ? ''
      : sets
        ? `, and ${raised} with the max_connections of ${maxConnections.written!.value} this step sets`
        : ` and ${raised} after the runbook raises max_connections to ${maxConnections.written!.value} (${where(maxConnections.written, line)})`);
  const here = `${carried ? 'carried out here' : 'not carried out here; the stack as it runs'}: ${carriedOut.replicas} replica(s) × ${carriedOut.pool} + ${others} = up to ${total} of ${available}`;
  if (demand <= limit)
    return { judgement: { rule: 'numbers', status: 'ok', observed: `${asWritten}: it fits; ${here}` } };
  return {
    judgement: {
      rule: 'numbers',
      status: 'inaccurate',
      observed: `${asWritten}: the written numbers would exhaust the database ("too many clients already") before the pool fills; ${here}`,
    },
    worked: workedFor(line, numbers, { demand, limit, podsWritten, poolWritten }),
  };
}

/** What the step's own number would have to be for the others to fit. */
function workedFor(
  line: number,
  { pool, replicas, maxConnections, others }: ConnectionNumbers,
  {
    demand,
    limit,
    podsWritten,
    poolWritten,
  }: { demand: number; limit: number; podsWritten: number; poolWritten: number },
): WhatWorked {
  if (pool.written?.line === line) {
    const fits = Math.max(1, Math.floor((limit - others) / podsWritten));
    return {
      kind: 'number',
      name: 'DATABASE_POOL_MAX',
      written: poolWritten,
      limit: fits,
      detail: `a pool of at most ${fits} per pod fits ${podsWritten} pods in ${limit} connections`,
    };
  }
  if (replicas.written?.line === line) {
    const fits = Math.max(1, Math.floor((limit - others) / poolWritten));
    return {
      kind: 'number',
      name: 'replicas',
      written: podsWritten,
      limit: fits,
      detail: `at most ${fits} pods with a pool of ${poolWritten} fit in ${limit} connections`,
    };
  }
  const needed = demand + maxConnections.reserved;
  return {
    kind: 'number',
    name: 'max_connections',
    written: maxConnections.written?.value ?? maxConnections.live,
    limit: needed,
    detail: `${podsWritten} pods × ${poolWritten} need max_connections of at least ${needed}`,
  };
}
