/** ALTER TABLE: the columns its subcommands name must exist, and ADD / DROP COLUMN change the table. */
import type { Node, RangeVar } from 'libpg-query';
import { nodeAs, strings } from './ast.ts';
import type { CheckContext } from './context.ts';
import { checkColumnOf, resolveRelation, schemaTarget } from './names.ts';
import { checkExpression } from './query.ts';
import { newScope, scopeOf } from './scope.ts';
import { addOwnedSequence } from './sequences.ts';

/** Subcommands that act on an existing column (`ALTER COLUMN x …`, `DROP COLUMN x`). */
const ON_EXISTING_COLUMN = new Set([
  'AT_AlterColumnType',
  'AT_DropColumn',
  'AT_SetNotNull',
  'AT_DropNotNull',
  'AT_ColumnDefault',
  'AT_SetStatistics',
  'AT_SetStorage',
  'AT_SetCompression',
  'AT_SetOptions',
  'AT_ResetOptions',
  'AT_AddIdentity',
  'AT_SetIdentity',
  'AT_DropIdentity',
  'AT_SetExpression',
  'AT_DropExpression',
]);

export function checkAlterTable(cx: CheckContext, relation: RangeVar | undefined, cmds: Node[]): void {
  const table = resolveRelation(cx, relation, newScope(undefined));
  const name = schemaTarget(relation) ?? '';
  const scope = scopeOf([table]);
  for (const node of cmds) {
    const cmd = nodeAs(node, 'AlterTableCmd');
    if (!cmd) continue;
    if (cmd.name && ON_EXISTING_COLUMN.has(cmd.subtype ?? '') && !(cmd.missing_ok && table.columns !== null))
      checkColumnOf(cx, table, cmd.name, cmd.name, cx.locate(cmd.name, relation?.location));
    const columns = cx.schema.get(name);
    if (cmd.subtype === 'AT_AddColumn') {
      const added = nodeAs(cmd.def, 'ColumnDef');
      if (added?.colname && columns) {
        cx.schema.set(name, new Set([...columns, added.colname]));
        addOwnedSequence(cx, name, added);
      }
    } else if (cmd.subtype === 'AT_DropColumn' && cmd.name) {
      if (columns) cx.schema.set(name, new Set([...columns].filter((c) => c !== cmd.name)));
    } else if (cmd.subtype === 'AT_AddConstraint' || cmd.subtype === 'AT_AlterColumnType') {
      const constraint = nodeAs(cmd.def, 'Constraint');
      if (constraint) {
        for (const key of [...strings(constraint.keys), ...strings(constraint.including)])
          checkColumnOf(cx, table, key, key, cx.locate(key, relation?.location));
        checkExpression(cx, constraint.raw_expr, scope);
        if (constraint.pktable) {
          const referenced = resolveRelation(cx, constraint.pktable, newScope(undefined));
          for (const key of strings(constraint.pk_attrs))
            checkColumnOf(cx, referenced, key, key, cx.locate(key, constraint.pktable.location));
        }
      }
      // ALTER COLUMN … TYPE … USING expr.
      checkExpression(cx, nodeAs(cmd.def, 'ColumnDef')?.raw_default, scope);
    } else if (cmd.subtype === 'AT_ColumnDefault') {
      checkExpression(cx, cmd.def, scope);
    }
  }
}
