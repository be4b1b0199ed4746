import type { RemedyAction } from './action.ts';
import { restart, rollback, scale, setEnv } from './deployment-actions.ts';
import { createIndex, runSqlAction } from './sql-actions.ts';

/** Every remedy step a scenario can name in `remedy[].action`. */
export const REMEDY_ACTIONS: Record<string, RemedyAction<Record<string, unknown>>> = Object.fromEntries(
  [rollback, setEnv, scale, restart, runSqlAction, createIndex].map((action) => [
    action.action,
    action as unknown as RemedyAction<Record<string, unknown>>,
  ]),
);
