import pg from 'pg';
import { parseSql } from './sql-check/parser.ts';
import type { WhatWorked } from './verdicts.ts';

/**
 * Settings a runbook changes (`ALTER DATABASE chatdb SET statement_timeout = '30s'`, `ALTER SYSTEM SET
 * max_connections = 200`, `SET …`), and when each really reaches the sessions that serve users.
 */
export type SettingScope = 'session' | 'database' | 'role' | 'system';

export interface SettingChange {
  scope: SettingScope;
  name: string;
  /** As written; undefined for RESET. */
  value?: string;
  /** The database or role it is set for. */
  target?: string;
}

export type TakesEffect = 'now' | 'reload' | 'new-sessions' | 'restart' | 'this-session' | 'never';

interface SetStmt {
  kind?: string;
  name?: string;
  args?: { A_Const?: { sval?: { sval: string }; ival?: { ival?: number }; fval?: { fval: string } } }[];
}

function valueWritten(set: SetStmt): string | undefined {
  if (set.kind !== 'VAR_SET_VALUE') return undefined;
  return (set.args ?? [])
    .map((arg) => arg.A_Const?.sval?.sval ?? arg.A_Const?.fval?.fval ?? String(arg.A_Const?.ival?.ival ?? 0))
    .join(', ');
}

/** The settings a SQL text changes, statement by statement. The SQL parser must be loaded. */
export function settingChangesOf(sql: string): SettingChange[] {
  const parsed = parseSql(sql);
  if (parsed.kind !== 'parsed') return [];
  const changes: SettingChange[] = [];
  for (const raw of parsed.result.stmts ?? []) {
    const stmt = raw.stmt as Record<string, Record<string, unknown>> | undefined;
    if (!stmt) continue;
    const [type, body] = Object.entries(stmt)[0] ?? [];
    if (!body) continue;
    const set = (type === 'VariableSetStmt' ? body : body.setstmt) as SetStmt | undefined;
    if (!set?.name || (set.kind !== 'VAR_SET_VALUE' && set.kind !== 'VAR_RESET')) continue;
    const value = valueWritten(set);
    const base = { name: set.name, ...(value === undefined ? {} : { value }) };
    if (type === 'VariableSetStmt') changes.push({ scope: 'session', ...base });
    else if (type === 'AlterDatabaseSetStmt')
      changes.push({ scope: 'database', target: String(body.dbname), ...base });
    else if (type === 'AlterRoleSetStmt')
      changes.push({
        scope: 'role',
        target: String((body.role as { rolename?: string } | undefined)?.rolename ?? 'ALL'),
        ...base,
      });
    else if (type === 'AlterSystemStmt') changes.push({ scope: 'system', ...base });
  }
  return changes;
}

/**
 * When a setting changed this way reaches sessions, by what PostgreSQL says of the parameter
 * (`pg_settings.context`): a postmaster parameter only at a restart; a sighup one at the next reload;
 * a per-database or per-role default only in sessions opened after it; SET only in its own session.
 */
export function whenItApplies(
  scope: SettingScope,
  context: string,
): { takesEffect: TakesEffect; why: string } {
  if (context === 'internal') return { takesEffect: 'never', why: `${context}: it cannot be changed at all` };
  if (scope === 'session')
    return {
      takesEffect: 'this-session',
      why: 'SET changes only the session that runs it (the responder’s psql), never the application’s',
    };
  if (scope === 'database' || scope === 'role') {
    if (context === 'postmaster' || context === 'sighup')
      return { takesEffect: 'never', why: `a ${context} parameter cannot be set per ${scope}` };
    return {
      takesEffect: 'new-sessions',
      why: `ALTER ${scope.toUpperCase()} … SET is read when a session starts: sessions already open keep their value`,
    };
  }
  if (context === 'postmaster')
    return {
      takesEffect: 'restart',
      why: 'a postmaster parameter: it applies only when the server restarts',
    };
  if (context === 'backend' || context === 'superuser-backend')
    return {
      takesEffect: 'new-sessions',
      why: `a ${context} parameter: after a reload, only sessions opened later get it`,
    };
  return {
    takesEffect: 'reload',
    why: `a ${context} parameter: every session gets it at the next reload (pg_reload_conf())`,
  };
}

/** The SQL that puts a change back as it was. */
export function undoSqlOf(change: SettingChange): string | undefined {
  const name = pg.escapeIdentifier(change.name);
  if (change.scope === 'database')
    return `ALTER DATABASE ${pg.escapeIdentifier(change.target!)} RESET ${name}`;
  if (change.scope === 'role' && change.target !== 'ALL')
    return `ALTER ROLE ${pg.escapeIdentifier(change.target!)} RESET ${name}`;
  if (change.scope === 'system') return `ALTER SYSTEM RESET ${name}`;
  return undefined;
}

export interface ParameterState {
  name: string;
  setting: string;
  unit: string | null;
  context: string;
  pendingRestart: boolean;
}

export async function parameterStates(client: pg.Client, names: string[]): Promise<ParameterState[]> {
  const { rows } = await client.query<{
    name: string;
    setting: string;
    unit: string | null;
    context: string;
    pending_restart: boolean;
  }>('SELECT name, setting, unit, context, pending_restart FROM pg_settings WHERE name = ANY($1)', [names]);
  return rows.map((row) => ({
    name: row.name,
    setting: row.setting,
    unit: row.unit,
    context: row.context,
    pendingRestart: row.pending_restart,
  }));
}

const show = (state: ParameterState | undefined) =>
  state ? `${state.setting}${state.unit && state.unit !== '' ? ` ${state.unit}` : ''}` : 'unknown';

/**
 * A server parameter change (ALTER SYSTEM, or a cloud parameter group's change carried out as ALTER
 * SYSTEM + reload), judged by what PostgreSQL reports right after it: applied, or waiting for a restart
 * (`pending_restart`). `asked`: the value written; `applyMethod`: what the cloud form asked for.
 */
export function judgeParameter(
  change: { name: string; value: string; applyMethod?: string },
  before: ParameterState | undefined,
  after: ParameterState | undefined,
): { status: 'ok' | 'inaccurate'; observed: string; worked: WhatWorked } {
  const context = after?.context ?? before?.context ?? 'unknown';
  const { takesEffect, why } = whenItApplies('system', context);
  const immediate = change.applyMethod === 'immediate';
  const worked: WhatWorked = {
    kind: 'setting',
    name: change.name,
    value: change.value,
    takesEffect: takesEffect === 'this-session' || takesEffect === 'never' ? 'restart' : takesEffect,
    how: why,
  };
  if (after?.pendingRestart || takesEffect === 'restart') {
    // A change the step itself says waits for a reboot is right to wait; one it says applies now is not.
    if (change.applyMethod === 'pending-reboot')
      return {
        status: 'ok',
        observed: `${change.name} = ${change.value} waits for the next restart, as the step asks (pending-reboot): it is still ${show(after)}, pending_restart ${after?.pendingRestart ? 'true' : 'false'} (context ${context})`,
        worked,
      };
    const now = after?.pendingRestart
      ? `after the change and a reload it is still ${show(after)} and pending_restart is true`
      : `it is ${show(after)} here already, so nothing changed now; a different value would wait for a restart`;
    return {
      status: 'inaccurate',
      observed: `${change.name} = ${change.value} does not apply when the step says: ${now} (context ${context}: ${why})${immediate ? '; ApplyMethod=immediate cannot be used for it (a static parameter needs pending-reboot and a reboot)' : ''}`,
      worked,
    };
  }
  return {
    status: 'ok',
    observed: `${change.name} is ${show(after)} right after the change and a reload (was ${show(before)}; context ${context}: ${why})`,
    worked,
  };
}
