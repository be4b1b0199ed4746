import type { ParamsInput } from '../core/params-input.ts';
import type { RemedyAction } from './action.ts';
import { blockOffenders, disableFlag, enableFlag, resetBreaker, unblockAll } from './admin-actions.ts';
import {
  promoteReplica,
  repointDatabase,
  terminateBlockers,
  terminateLeakedSessions,
  terminateLongQueries,
} from './database-actions.ts';
import { restart, rollback, scale, setEnv } from './deployment-actions.ts';
import { restoreMissingRows } from './restore-actions.ts';
import { createIndex, runSqlAction } from './sql-actions.ts';

const ACTIONS = [
  rollback,
  setEnv,
  scale,
  restart,
  runSqlAction,
  createIndex,
  disableFlag,
  enableFlag,
  blockOffenders,
  unblockAll,
  resetBreaker,
  terminateBlockers,
  terminateLongQueries,
  terminateLeakedSessions,
  promoteReplica,
  repointDatabase,
  restoreMissingRows,
] as const;

type Actions = (typeof ACTIONS)[number];
export type RemedyActionName = Actions['action'];

/** A remedy (or restore) step's action as a scenario writes it, with that action's parameters. */
export type ActionSpec = {
  [A in Actions as A['action']]: { action: A['action'] } & ParamsInput<A['params']>;
}[RemedyActionName];

/** Every remedy step a scenario can name in `remedy[].action`, looked up by name once validated. */
export const REMEDY_ACTIONS: Record<string, RemedyAction<Record<string, unknown>>> = Object.fromEntries(
  ACTIONS.map((action) => [action.action, action as unknown as RemedyAction<Record<string, unknown>>]),
);
