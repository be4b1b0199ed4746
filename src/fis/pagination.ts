import { validationError } from './errors.ts';

export interface PageQuery {
  maxResults?: string | null;
  nextToken?: string | null;
}

/** FIS's page size bounds (every List* operation: maxResults 1 to 100). */
const MAX_RESULTS = 100;

/**
 * One page of `items` (in a stable order) and the token for the next. The token names the position
 * after the last item returned, so items created or deleted between pages do not shift the others.
 */
export function paginate<T>(
  items: readonly T[],
  query: PageQuery,
  positionOf: (item: T) => number,
): { page: T[]; nextToken?: string } {
  const max = query.maxResults == null ? MAX_RESULTS : Number(query.maxResults);
  if (!/^\d+$/.test(query.maxResults ?? '1') || max < 1 || max > MAX_RESULTS)
    throw validationError(
      `1 validation error detected: Value '${query.maxResults}' at 'maxResults' failed to satisfy constraint: Member must have value between 1 and ${MAX_RESULTS}`,
    );
  const after = query.nextToken == null ? -1 : decode(query.nextToken);
  const rest = items.filter((item) => positionOf(item) > after);
  const page = rest.slice(0, max);
  return rest.length > max ? { page, nextToken: encode(positionOf(page.at(-1)!)) } : { page };
}

const encode = (position: number) => Buffer.from(JSON.stringify({ after: position })).toString('base64url');

function decode(token: string): number {
  try {
    const { after } = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { after?: unknown };
    if (Number.isSafeInteger(after) && (after as number) >= 0) return after as number;
  } catch {
    // Not ours: said below.
  }
  throw validationError('The nextToken is not valid: pass the nextToken of the previous page, unchanged.');
}
