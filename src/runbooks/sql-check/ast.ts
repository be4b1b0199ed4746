/** Small helpers over libpg-query's JSON parse tree. None of them recurse: a deep tree cannot overflow. */
import type { Node } from 'libpg-query';

type NodeTag = Node extends infer N ? (N extends unknown ? keyof N : never) : never;
type NodeBody<K extends NodeTag> = Extract<Node, { [P in K]: unknown }>[K];

/** The body of `node` when it is a `tag` node (`nodeAs(n, 'SelectStmt')`), else undefined. */
export function nodeAs<K extends NodeTag>(node: Node | undefined, tag: K): NodeBody<K> | undefined {
  if (node === undefined || node === null || typeof node !== 'object' || !(tag in node)) return undefined;
  return (node as unknown as { [P in K]: NodeBody<K> })[tag];
}

export function stringOf(node: Node | undefined): string | undefined {
  return nodeAs(node, 'String')?.sval;
}

export function strings(nodes: Node[] | undefined): string[] {
  return (nodes ?? []).map(stringOf).filter((name): name is string => name !== undefined);
}

export function lastString(nodes: Node[] | undefined): string | undefined {
  const all = strings(nodes);
  return all[all.length - 1];
}

/** A property waiting on `visit`'s stack: announced just before its subtree is walked. */
class Property {
  constructor(
    readonly key: string,
    readonly value: unknown,
  ) {}
}

/** Calls `fn` for every property of every object in the tree, depth first, in document order. */
export function visit(root: unknown, fn: (key: string, value: unknown) => void): void {
  const pending: unknown[] = [root];
  while (pending.length > 0) {
    const value = pending.pop();
    if (value instanceof Property) {
      fn(value.key, value.value);
      pending.push(value.value);
    } else if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) pending.push(value[i]);
    } else if (value !== null && typeof value === 'object') {
      const entries = Object.entries(value);
      for (let i = entries.length - 1; i >= 0; i--)
        pending.push(new Property(entries[i]![0], entries[i]![1]));
    }
  }
}

/** The first AST location (byte offset) in `node`, in document order. */
export function firstLocation(node: Node | undefined): number | undefined {
  let found: number | undefined;
  visit(node, (key, value) => {
    if (found === undefined && key === 'location' && typeof value === 'number' && value >= 0) found = value;
  });
  return found;
}
