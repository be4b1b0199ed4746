/**
 * A registry entry by a key from outside (a request, a scenario file, a flag, a runbook): own
 * entries only, so a name like `valueOf`, `constructor` or `__proto__` is unknown rather than
 * something inherited from Object.prototype. CI's fuzzer found the FIS endpoint answering 500 for
 * `GET /targetResourceTypes/valueOf`; every plain-object registry read by an outside key goes here.
 */
export function ownEntry<T>(registry: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(registry, key) ? registry[key] : undefined;
}
