/** `kubectl set env` semantics: a value sets the variable, null (`KEY-`) removes it. */
export function withEnvChanges(
  env: Record<string, string>,
  changes: Record<string, string | null>,
): Record<string, string> {
  const next = { ...env };
  for (const [name, value] of Object.entries(changes)) {
    if (value === null) delete next[name];
    else next[name] = value;
  }
  return next;
}
