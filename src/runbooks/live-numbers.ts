import { withDatabase } from '../stack/database-session.ts';
import {
  type ConnectionNumbers,
  documentNumbers,
  judgeConnectionBudget,
  numbersOf,
} from './judge-numbers.ts';
import type { RunbookDocument } from './parse-runbook.ts';
import { replicaStates } from './replica-state.ts';
import { parameterStates } from './setting-changes.ts';
import type { RunbookStep } from './steps.ts';
import type { Judgement, WhatWorked } from './verdicts.ts';
import type { VerifyContext } from './verify-context.ts';

/** The reference backend's pool when a replica does not say (DATABASE_POOL_MAX's default). */
const DEFAULT_POOL = 20;

/**
 * The connection numbers a step writes (pool per pod, pods, max_connections), judged as written
 * against the live database's limit and the document's other numbers; undefined for a step that
 * writes none. `carried`: the stack carried the step out (at its own scale) or only judged it.
 */
export async function connectionBudget(
  context: VerifyContext,
  step: RunbookStep,
  document: RunbookDocument | undefined,
  carried: boolean,
): Promise<{ judgement: Judgement; worked?: WhatWorked } | undefined> {
  const own = numbersOf(step);
  if (own.pool === undefined && own.replicas === undefined && own.maxConnections === undefined)
    return undefined;
  try {
    const written = document ? documentNumbers(document) : {};
    const states = await replicaStates(context.stack).catch(() => []);
    const livePool = Math.max(0, ...states.map((state) => state.pool?.max ?? 0)) || DEFAULT_POOL;
    const live = await withDatabase(context.stack.database.adminUrl(), async (client) => {
      const settings = await parameterStates(client, [
        'max_connections',
        'superuser_reserved_connections',
        'reserved_connections',
      ]);
      const value = (name: string) => Number(settings.find((state) => state.name === name)?.setting ?? 0);
      const { rows } = await client.query<{ others: number }>(
        `SELECT count(*)::int AS others FROM pg_stat_activity
          WHERE backend_type = 'client backend' AND application_name NOT LIKE 'chat-backend/%'`,
      );
      return {
        max: value('max_connections'),
        reserved: value('superuser_reserved_connections') + value('reserved_connections'),
        others: rows[0]?.others ?? 0,
      };
    });
    const at = (value: number | undefined) => (value === undefined ? undefined : { value, line: step.line });
    const numbers: ConnectionNumbers = {
      pool: { written: at(own.pool) ?? written.pool, live: livePool },
      replicas: { written: at(own.replicas) ?? written.replicas, live: states.length },
      maxConnections: {
        written: at(own.maxConnections) ?? written.maxConnections,
        live: live.max,
        reserved: live.reserved,
      },
      others: live.others,
    };
    return judgeConnectionBudget(
      step.line,
      numbers,
      { pool: carried ? (own.pool ?? livePool) : livePool, replicas: states.length },
      carried,
    );
  } catch (error) {
    return {
      judgement: {
        rule: 'numbers',
        status: 'manual',
        observed: `its numbers could not be held against the database's limits: ${(error as Error).message}`,
      },
    };
  }
}
