/**
 * Removes credentials from text bound for logs and reports: passwords in URLs
 * (`scheme://user:secret@host`), bearer tokens, and values registered as secrets.
 */
const registered = new Set<string>();

/** Marks a value (a token, a password) as secret: it is masked wherever `redactSecrets` runs. */
export function registerSecret(value: string | undefined): void {
  if (value && value.length >= 4) registered.add(value);
}

export function redactSecrets(text: string): string {
  let result = text
    .replace(/(\b[a-z][a-z0-9+.-]*:\/\/[^:/\s@]+:)[^@\s/]+@/gi, '$1***@')
    .replace(/(Bearer\s+)[A-Za-z0-9._~+/=-]+/g, '$1***');
  for (const secret of registered) result = result.split(secret).join('***');
  return result;
}

/**
 * The same for every string in a value (a report before it is written): a secret is masked before
 * JSON or HTML escaping could change how it is spelled.
 */
export function redactDeep<T>(value: T): T {
  if (typeof value === 'string') return redactSecrets(value) as T;
  if (Array.isArray(value)) return value.map(redactDeep) as T;
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, redactDeep(inner)])) as T;
  return value;
}
