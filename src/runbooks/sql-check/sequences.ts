/** Sequences: the relation CREATE SEQUENCE makes, and the one behind a serial or identity column. */
import type { ColumnDef } from 'libpg-query';
import { nodeAs, strings } from './ast.ts';
import type { CheckContext } from './context.ts';

export const SEQUENCE_COLUMNS = ['last_value', 'log_cnt', 'is_called'];
const SERIAL_TYPES = new Set(['smallserial', 'serial2', 'serial', 'serial4', 'bigserial', 'serial8']);

/** A serial or identity column comes with a sequence, named as PostgreSQL names it (`messages_id_seq`). */
export function addOwnedSequence(cx: CheckContext, table: string, column: ColumnDef): void {
  const type = strings(column.typeName?.names);
  const serial = type.length === 1 && SERIAL_TYPES.has(type[0]!) && !column.typeName?.arrayBounds?.length;
  const identity = column.constraints?.some((c) => nodeAs(c, 'Constraint')?.contype === 'CONSTR_IDENTITY');
  if (!column.colname || !(serial || identity)) return;
  // ChooseRelationName: `seq`, then `seq1`, `seq2`, … until the name is free.
  for (let pass = 0; ; pass++) {
    const name = objectName(table, column.colname, pass === 0 ? 'seq' : `seq${pass}`);
    if (!cx.schema.has(name)) {
      cx.schema.set(name, new Set(SEQUENCE_COLUMNS));
      return;
    }
  }
}

/** PostgreSQL's makeObjectName: `name1_name2_label`, the longer name shortened to fit 63 bytes. */
function objectName(name1: string, name2: string, label: string): string {
  let first = [...name1];
  let second = [...name2];
  const available = 63 - label.length - 2;
  const bytes = (chars: string[]) => Buffer.byteLength(chars.join(''));
  while (bytes(first) + bytes(second) > available) {
    if (bytes(first) > bytes(second)) first = first.slice(0, -1);
    else second = second.slice(0, -1);
  }
  return `${first.join('')}_${second.join('')}_${label}`;
}
