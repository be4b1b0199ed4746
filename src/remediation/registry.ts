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

/** Every remedy step a scenario can name in `remedy[].action`. */
export const REMEDY_ACTIONS: Record<string, RemedyAction<Record<string, unknown>>> = Object.fromEntries(
  [
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
  ].map((action) => [action.action, action as unknown as RemedyAction<Record<string, unknown>>]),
);
