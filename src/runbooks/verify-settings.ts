import pg from 'pg';
import { withDatabase } from '../stack/database-session.ts';
import { fixUnit } from './match-step.ts';
import { firstError, runFixAsWritten } from './run-fix.ts';
import {
  judgeParameter,
  type ParameterState,
  parameterStates,
  type SettingChange,
  settingChangesOf,
  undoSqlOf,
} from './setting-changes.ts';
import { SettingProbe } from './setting-effect.ts';
import type { ParameterChange } from './shell-command.ts';
import { type RunbookStep, sqlOf } from './steps.ts';
import type { Judgement, WhatWorked } from './verdicts.ts';
import type { PendingFix, VerifyContext } from './verify-context.ts';

export const EXPECTED_FIX = 'runs as written and the incident resolves';
/** How long a settings change is watched for reaching the backend's pooled connections (wall ms). */
const EFFECT_WINDOW_MS = 10_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A cloud parameter change (`aws rds modify-db-parameter-group … ParameterName=…`), carried out as its
 * local equivalent, ALTER SYSTEM SET + pg_reload_conf() (its undo registered first), and judged at
 * once by what PostgreSQL reports: applied, or waiting for a restart.
 */
export async function carryOutParameterStep(
  context: VerifyContext,
  step: RunbookStep,
  changes: ParameterChange[],
  via: string,
): Promise<{ judgements: Judgement[]; worked: WhatWorked[] }> {
  const judgements: Judgement[] = [];
  const worked: WhatWorked[] = [];
  const sql = changes.map(
    (c) => `ALTER SYSTEM SET ${pg.escapeIdentifier(c.name)} = ${pg.escapeLiteral(c.value)}`,
  );
  const names = changes.map((change) => change.name);
  await withDatabase(context.stack.database.adminUrl(), async (client) => {
    const before = await parameterStates(client, names);
    for (const change of changes)
      await context.registerUndo(
        `runbook line ${step.line}: ${change.name} set by ALTER SYSTEM`,
        () => resetParameter(context, change.name),
        { sql: `ALTER SYSTEM RESET ${change.name}; SELECT pg_reload_conf();` },
      );
    try {
      for (const statement of sql) await client.query(statement);
      await client.query('SELECT pg_reload_conf()');
    } catch (error) {
      judgements.push({
        rule: 'runs',
        status: 'broken',
        observed: `PostgreSQL refused its local equivalent: ${(error as Error).message}`,
      });
      return;
    }
    judgements.push({
      rule: 'runs',
      status: 'ok',
      observed: `carried out here as its local equivalent (${via} → ${sql.join('; ')}; SELECT pg_reload_conf())`,
    });
    await sleep(200);
    const after = await parameterStates(client, names);
    for (const change of changes) {
      const judgedChange = judgeParameter(
        change,
        before.find((state) => state.name === change.name),
        after.find((state) => state.name === change.name),
      );
      judgements.push({ rule: 'applies', status: judgedChange.status, observed: judgedChange.observed });
      if (judgedChange.status !== 'ok') worked.push(judgedChange.worked);
    }
  });
  return { judgements, worked };
}

/**
 * A SQL settings change (ALTER DATABASE / ROLE / SYSTEM … SET, SET), run as written (with the block's
 * `SELECT pg_reload_conf();` after it) with its undo registered first and a probe session opened
 * before it. What the probe sees at once is taken before returning (so the procedure's next step cannot
 * blur it); whether the backend's pooled connections get the change is measured afterwards (`later`).
 */
export async function runSettingStep(
  context: VerifyContext,
  steps: readonly RunbookStep[],
  step: RunbookStep,
): Promise<PendingFix> {
  const unit = withReload(steps, fixUnit(steps, step));
  const changes = unit.flatMap((s) => settingChangesOf(sqlOf(s)!));
  await registerSettingUndos(context, step, changes);
  const { database } = context.stack.endpoints;
  const target = {
    appUrl: database.appUrl,
    adminUrl: context.stack.database.adminUrl(),
    appUser: database.appUser,
    appDatabase: database.appDatabase,
  };
  const probe = await SettingProbe.open(target, changes).catch(() => undefined);
  const names = [...new Set(changes.map((change) => change.name))];
  const before = await withDatabase(target.adminUrl, (client) => parameterStates(client, names));
  const run = await runFixAsWritten(target.adminUrl, unit);
  const lines = unit.length > 1 ? `lines ${unit[0]!.line}–${unit.at(-1)!.endLine}` : `line ${step.line}`;
  const base = { line: step.line, step: unit.map((s) => s.text).join('\n'), expected: EXPECTED_FIX };
  const refused = firstError(run);
  if (refused) {
    await probe?.close();
    return {
      base,
      judgements: [
        {
          rule: 'runs',
          status: 'broken',
          observed: `as written (${lines}), PostgreSQL refused line ${refused.line}: ${refused.error}`,
        },
      ],
      worked: [],
      didIt: false,
    };
  }
  // A reload reaches the sessions when they next read a command: give the signal a moment.
  if (unit.some((s) => /pg_reload_conf/i.test(sqlOf(s) ?? ''))) await sleep(500);
  const observed = await probe?.observe().then(
    () => true,
    () => false,
  );
  const judgements: Judgement[] = [
    { rule: 'runs', status: 'ok', observed: `ran as written (${lines}) in ${run.durationMs} ms` },
  ];
  const worked: WhatWorked[] = [];
  const system = changes.filter((change) => change.scope === 'system');
  if (system.length > 0) {
    const after = await withDatabase(target.adminUrl, (client) =>
      parameterStates(
        client,
        system.map((change) => change.name),
      ),
    );
    for (const change of system) {
      const judgedChange = judgeParameter(
        { name: change.name, value: change.value ?? 'default' },
        before.find((state) => state.name === change.name),
        after.find((state) => state.name === change.name),
      );
      judgements.push({ rule: 'applies', status: judgedChange.status, observed: judgedChange.observed });
      if (judgedChange.status !== 'ok') worked.push(judgedChange.worked);
    }
  }
  const contexts = Object.fromEntries(before.map((state: ParameterState) => [state.name, state.context]));
  const lifetime = context.stack.backend.history().at(-1)?.env.DATABASE_POOL_MAX_LIFETIME_SECONDS;
  const replacement =
    lifetime && lifetime !== '0'
      ? `DATABASE_POOL_MAX_LIFETIME_SECONDS=${lifetime}: a connection is replaced after ${lifetime} s`
      : 'DATABASE_POOL_MAX_LIFETIME_SECONDS is not set: never by age, only when one fails or idles out';
  const unmeasured = (why: string) => ({
    judgement: { rule: 'effect' as const, status: 'manual' as const, observed: why },
    worked: [],
  });
  const later =
    probe && observed
      ? probe
          .judge({ windowMs: EFFECT_WINDOW_MS, replacement, context: contexts })
          .catch((error: Error) => unmeasured(`its effect could not be measured: ${error.message}`))
      : Promise.resolve(
          unmeasured(
            'its effect on the application’s sessions could not be measured: no session as the application could be opened',
          ),
        );
  return { base, judgements, worked, didIt: true, later };
}

async function registerSettingUndos(
  context: VerifyContext,
  step: RunbookStep,
  changes: SettingChange[],
): Promise<void> {
  for (const change of changes) {
    const undo = undoSqlOf(change);
    if (!undo) continue;
    await context.registerUndo(
      `runbook line ${step.line}: ${change.name} set ${change.scope === 'system' ? 'by ALTER SYSTEM' : `for ${change.scope} ${change.target}`}`,
      async () => {
        await withDatabase(context.stack.database.adminUrl(), async (client) => {
          await client.query(undo);
          if (change.scope === 'system') await client.query('SELECT pg_reload_conf()');
        });
      },
      { sql: undo },
    );
  }
}

/** An ALTER SYSTEM step followed in its block by `SELECT pg_reload_conf();`: the two run together. */
function withReload(steps: readonly RunbookStep[], unit: RunbookStep[]): RunbookStep[] {
  const last = unit.at(-1)!;
  const next = steps.find((step) => step.block === last.block && step.line > last.endLine);
  const reload = next && /^\s*select\s+pg_reload_conf\s*\(\s*\)\s*;?\s*$/i.test(sqlOf(next) ?? '');
  return reload ? [...unit, next] : unit;
}

async function resetParameter(context: VerifyContext, name: string): Promise<void> {
  await withDatabase(context.stack.database.adminUrl(), async (client) => {
    await client.query(`ALTER SYSTEM RESET ${pg.escapeIdentifier(name)}`);
    await client.query('SELECT pg_reload_conf()');
  });
}
