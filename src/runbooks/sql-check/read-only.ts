/** Which statements only read: the ones a diagnostic probe may run during a live incident. */
import type { Node } from 'libpg-query';
import { lastString, nodeAs, visit } from './ast.ts';

/** Functions that change state even inside a SELECT: such a SELECT is not read-only. */
const SIDE_EFFECT_FUNCTIONS = new Set([
  'pg_terminate_backend',
  'pg_cancel_backend',
  'pg_reload_conf',
  'pg_rotate_logfile',
  'pg_promote',
  'pg_switch_wal',
  'pg_create_restore_point',
  'pg_backup_start',
  'pg_backup_stop',
  'pg_wal_replay_pause',
  'pg_wal_replay_resume',
  'pg_create_physical_replication_slot',
  'pg_create_logical_replication_slot',
  'pg_drop_replication_slot',
  'pg_copy_physical_replication_slot',
  'pg_copy_logical_replication_slot',
  'pg_replication_slot_advance',
  'pg_logical_slot_get_changes',
  'pg_logical_slot_get_binary_changes',
  'pg_logical_emit_message',
  'pg_sync_replication_slots',
  'pg_import_system_collations',
  'pg_notify',
  'nextval',
  'setval',
  'set_config',
  'dblink',
  'dblink_exec',
]);
const SIDE_EFFECT_PREFIXES = [
  'pg_stat_reset',
  'pg_advisory',
  'pg_try_advisory',
  'pg_replication_origin_',
  'lo_',
];

function hasSideEffects(functionName: string): boolean {
  return (
    SIDE_EFFECT_FUNCTIONS.has(functionName) ||
    SIDE_EFFECT_PREFIXES.some((prefix) => functionName.startsWith(prefix)) ||
    functionName.endsWith('_reset')
  );
}

/**
 * A SELECT with no data-modifying CTE, no SELECT INTO, no FOR UPDATE/SHARE and no call of a known
 * state-changing function (pg_terminate_backend, nextval, advisory locks, …); EXPLAIN of such a
 * SELECT; SHOW; and BEGIN / COMMIT / ROLLBACK. Anything else (DDL, DML, SET, …) is not read-only.
 */
export function isReadOnlyStatement(stmt: Node): boolean {
  const transaction = nodeAs(stmt, 'TransactionStmt');
  if (transaction)
    return ['TRANS_STMT_BEGIN', 'TRANS_STMT_START', 'TRANS_STMT_COMMIT', 'TRANS_STMT_ROLLBACK'].includes(
      transaction.kind ?? '',
    );
  if ('VariableShowStmt' in stmt) return true;
  const explain = nodeAs(stmt, 'ExplainStmt');
  if (explain) return explain.query !== undefined && isReadOnlyStatement(explain.query);
  if (!('SelectStmt' in stmt)) return false;
  let readOnly = true;
  visit(stmt, (key, value) => {
    if (key === 'InsertStmt' || key === 'UpdateStmt' || key === 'DeleteStmt' || key === 'MergeStmt')
      readOnly = false;
    else if (key === 'intoClause' || (key === 'lockingClause' && Array.isArray(value) && value.length > 0))
      readOnly = false;
    else if (key === 'FuncCall') {
      const name = lastString((value as { funcname?: Node[] }).funcname);
      if (name && hasSideEffects(name)) readOnly = false;
    }
  });
  return readOnly;
}
