/**
 * How deep a statement's parse tree may nest, estimated from its tokens before it is parsed.
 *
 * The WASM parser recurses once per tree level when it hands the tree over, on the JavaScript stack:
 * measured in a fresh process, `1 + 1 + …` overflows it from about 2,200 terms, nested function calls
 * from about 1,200, nested subqueries from about 600 (fewer when the caller's stack is deeper). Each
 * overflow leaves the module's memory a little more corrupt: after a few dozen, a parse crashes.
 * So a statement estimated deeper than NESTING_LIMIT is not parsed: it becomes one `unchecked` finding.
 *
 * The estimate is meant to be an upper bound: every open bracket or CASE counts, and so does every
 * operator since the last comma, AND, OR or WHEN/THEN/ELSE of its bracket (a chain of operators is a
 * chain of nodes). Real statements stay far below the limit; `1 + 1 + …` of 1,000 terms is still checked.
 */
import type { Token } from './scan.ts';

export const NESTING_LIMIT = 1000;

/** Cost of a bracket level; a subquery's levels cost more (the parser recurses more per level there). */
const BRACKET = 2;
const SUBQUERY = 8;
const CASE = 3;
const OPERATOR = /^[-+*/<>=~!@#%^&|`?:]+$/;
const OPERATOR_WORDS = new Set(
  'is isnull notnull not collate at like ilike similar between in overlaps operator escape union intersect except join'.split(
    ' ',
  ),
);
const RESETS = new Set([',', ';', 'and', 'or', 'when', 'then', 'else']);

interface Level {
  cost: number;
  chain: number;
  opener: string;
}

export function nestingDepth(tokens: readonly Token[]): number {
  const levels: Level[] = [{ cost: 0, chain: 0, opener: '' }];
  let depth = 0;
  let deepest = 0;
  let previous = '';
  for (const token of tokens) {
    const word = token.text.toLowerCase();
    const level = levels[levels.length - 1]!;
    if (word === '(' || word === '[' || word === 'case') {
      const cost = word === 'case' ? CASE : BRACKET;
      levels.push({ cost, chain: 0, opener: word });
      depth += cost;
    } else if (
      levels.length > 1 &&
      (word === ')' || word === ']' || (word === 'end' && level.opener === 'case'))
    ) {
      levels.pop();
      depth -= level.cost + level.chain;
    } else if (RESETS.has(word)) {
      depth -= level.chain;
      level.chain = 0;
    } else if (OPERATOR.test(word) || OPERATOR_WORDS.has(word)) {
      level.chain++;
      depth++;
    }
    if (previous === '(' && (word === 'select' || word === 'with' || word === 'values')) {
      level.cost += SUBQUERY - BRACKET;
      depth += SUBQUERY - BRACKET;
    }
    previous = word;
    deepest = Math.max(deepest, depth);
  }
  return deepest;
}
