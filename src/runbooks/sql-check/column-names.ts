/** Output column names as PostgreSQL's FigureColname derives them: what ORDER BY or an outer query may name. */
import type { Node } from 'libpg-query';
import { lastString, nodeAs, stringOf } from './ast.ts';

export interface FiguredName {
  name: string;
  /** False for the fallback names (`?column?`, `case`, a cast's type name). */
  strong: boolean;
}

const WEAK_NODES = ['A_Const', 'ParamRef', 'BoolExpr', 'NullTest', 'BooleanTest', 'A_Expr'] as const;

export function figureColumnName(node: Node | undefined): FiguredName | undefined {
  if (!node) return undefined;
  const ref = nodeAs(node, 'ColumnRef');
  if (ref) {
    const name = stringOf(ref.fields?.[ref.fields.length - 1]);
    return name ? { name, strong: true } : undefined;
  }
  const indirection = nodeAs(node, 'A_Indirection');
  if (indirection) {
    const name = stringOf(indirection.indirection?.[indirection.indirection.length - 1]);
    return name ? { name, strong: true } : figureColumnName(indirection.arg);
  }
  const call = nodeAs(node, 'FuncCall');
  if (call) {
    const name = lastString(call.funcname);
    return name ? { name, strong: true } : undefined;
  }
  const expr = nodeAs(node, 'A_Expr');
  if (expr?.kind === 'AEXPR_NULLIF') return { name: 'nullif', strong: true };
  const cast = nodeAs(node, 'TypeCast');
  if (cast) {
    const inner = figureColumnName(cast.arg);
    if (inner?.strong) return inner;
    const typeName = lastString(cast.typeName?.names);
    return typeName ? { name: typeName, strong: false } : undefined;
  }
  const collate = nodeAs(node, 'CollateClause');
  if (collate) return figureColumnName(collate.arg);
  const sublink = nodeAs(node, 'SubLink');
  if (sublink) {
    if (sublink.subLinkType === 'EXISTS_SUBLINK') return { name: 'exists', strong: true };
    if (sublink.subLinkType === 'ARRAY_SUBLINK') return { name: 'array', strong: true };
    if (sublink.subLinkType === 'EXPR_SUBLINK') {
      const first = nodeAs(nodeAs(sublink.subselect, 'SelectStmt')?.targetList?.[0], 'ResTarget');
      const name = first?.name ?? figureColumnName(first?.val)?.name;
      return name ? { name, strong: true } : undefined;
    }
    return { name: '?column?', strong: false };
  }
  const caseExpr = nodeAs(node, 'CaseExpr');
  if (caseExpr) {
    const result = figureColumnName(caseExpr.defresult);
    return result?.strong ? result : { name: 'case', strong: false };
  }
  if ('A_ArrayExpr' in node) return { name: 'array', strong: true };
  if ('RowExpr' in node) return { name: 'row', strong: true };
  if ('CoalesceExpr' in node) return { name: 'coalesce', strong: true };
  if ('GroupingFunc' in node) return { name: 'grouping', strong: true };
  if ('MergeSupportFunc' in node) return { name: 'merge_action', strong: true };
  if ('XmlSerialize' in node) return { name: 'xmlserialize', strong: true };
  const minMax = nodeAs(node, 'MinMaxExpr');
  if (minMax) return { name: minMax.op === 'IS_GREATEST' ? 'greatest' : 'least', strong: true };
  const valueFunction = nodeAs(node, 'SQLValueFunction');
  if (valueFunction?.op) {
    return {
      name: valueFunction.op
        .replace(/^SVFOP_/, '')
        .replace(/_N$/, '')
        .toLowerCase(),
      strong: true,
    };
  }
  const xml = nodeAs(node, 'XmlExpr');
  if (xml?.op && xml.op !== 'IS_DOCUMENT')
    return { name: xml.op.replace(/^IS_/, '').toLowerCase(), strong: true };
  if (xml) return { name: '?column?', strong: false };
  if (WEAK_NODES.some((tag) => tag in node)) return { name: '?column?', strong: false };
  return undefined;
}
