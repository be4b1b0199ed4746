/**
 * Transactions in a block: a ROLLBACK (or ROLLBACK TO a savepoint) undoes the schema changes made
 * since, as it does on the server (`BEGIN; … DROP TABLE t; ROLLBACK; SELECT … FROM t` is fine).
 */
import type { TransactionStmt } from 'libpg-query';
import type { SessionState } from './context.ts';

export function applyTransaction(session: SessionState, stmt: TransactionStmt): void {
  const saved = session.savepoints;
  const snapshot = (name?: string) => ({
    ...(name !== undefined ? { name } : {}),
    tables: new Map(session.tables),
    openWorld: session.openWorld,
  });
  const restore = (to: number) => {
    const point = saved[to]!;
    session.tables = new Map(point.tables);
    session.openWorld = point.openWorld;
  };
  switch (stmt.kind) {
    case 'TRANS_STMT_BEGIN':
    case 'TRANS_STMT_START':
      // BEGIN inside a transaction is only a warning on the server.
      if (saved.length === 0) saved.push(snapshot());
      return;
    case 'TRANS_STMT_SAVEPOINT':
      if (saved.length > 0) saved.push(snapshot(stmt.savepoint_name));
      return;
    case 'TRANS_STMT_ROLLBACK_TO': {
      const at = saved.findLastIndex((point) => point.name === stmt.savepoint_name);
      if (at < 0) return;
      restore(at);
      saved.length = at + 1;
      return;
    }
    case 'TRANS_STMT_RELEASE': {
      const at = saved.findLastIndex((point) => point.name === stmt.savepoint_name);
      if (at > 0) saved.length = at;
      return;
    }
    case 'TRANS_STMT_ROLLBACK':
      if (saved.length > 0) restore(0);
      saved.length = 0;
      break;
    case 'TRANS_STMT_COMMIT':
    case 'TRANS_STMT_PREPARE':
      saved.length = 0;
      break;
    default:
      return;
  }
  if (stmt.chain) saved.push(snapshot());
}
