/** "did you mean" hints for unknown names. */
import { ANY_COLUMN } from './schema.ts';

/** ` (did you mean "x"?)` for the closest candidate, or '' when none is close. */
export function suggestion(name: string, candidates: Iterable<string>): string {
  const unique = [...new Set(candidates)].filter((c) => c !== name && c !== ANY_COLUMN);
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of unique) {
    // Only distances up to 2 count, and the lengths alone bound the distance from below.
    if (Math.abs(candidate.length - name.length) > 2) continue;
    const distance = levenshtein(name.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  if (best !== undefined && bestDistance <= 2 && bestDistance < name.length)
    return ` (did you mean "${best}"?)`;
  // A truncated or extended name: `conversation` for `conversation_id`.
  if (name.length >= 4) {
    const lower = name.toLowerCase();
    const affixed = unique.filter((c) => {
      const other = c.toLowerCase();
      return (
        other.length >= 4 && (other.startsWith(lower) || lower.startsWith(other) || other.endsWith(lower))
      );
    });
    if (affixed.length === 1) return ` (did you mean "${affixed[0]}"?)`;
  }
  return '';
}

function levenshtein(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
    }
    previous = current;
  }
  return previous[b.length]!;
}
