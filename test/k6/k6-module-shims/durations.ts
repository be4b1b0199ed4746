const UNITS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };

/** A k6 duration ("1m30s", "1500ms") or a number of milliseconds, in milliseconds. */
export function parseDuration(value: string | number): number {
  if (typeof value === 'number') return value;
  let total = 0;
  let rest = value.trim();
  while (rest.length > 0) {
    const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)/.exec(rest);
    if (!match) throw new Error(`k6 shim: bad duration "${value}"`);
    total += Number(match[1]) * UNITS[match[2]!]!;
    rest = rest.slice(match[0].length);
  }
  return total;
}
