/** A target's selectionMode: ALL (FIS's default), COUNT(n) or PERCENT(n). */
export type Selection = { mode: 'ALL' } | { mode: 'COUNT'; n: number } | { mode: 'PERCENT'; n: number };

/** The parsed mode, or undefined when `text` is not one FIS accepts. */
export function parseSelectionMode(text: string): Selection | undefined {
  if (text === 'ALL') return { mode: 'ALL' };
  const match = /^(COUNT|PERCENT)\((\d{1,9})\)$/.exec(text);
  if (!match) return undefined;
  const n = Number(match[2]);
  if (n < 1 || (match[1] === 'PERCENT' && n > 100)) return undefined;
  return { mode: match[1] as 'COUNT' | 'PERCENT', n };
}

/**
 * The resources an action runs on, chosen at random as FIS does. PERCENT rounds up, so any resolved
 * target yields at least one resource (FIS does not document its rounding).
 */
export function select<T>(resources: readonly T[], selection: Selection, random = Math.random): T[] {
  const count =
    selection.mode === 'ALL'
      ? resources.length
      : selection.mode === 'COUNT'
        ? Math.min(selection.n, resources.length)
        : Math.ceil((resources.length * selection.n) / 100);
  const pool = [...resources];
  for (let i = pool.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [pool[i], pool[j]] = [pool[j]!, pool[i]!];
  }
  return pool.slice(0, count);
}
