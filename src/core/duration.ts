/** A duration as scenario files write it: "500ms", "5s", "2m", "1h", or a number of milliseconds. */
export type Duration = string | number;

const UNITS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };

/** Milliseconds, or undefined when `value` is not a duration like "500ms", "5s", "2m" or "1h". */
export function toMs(value: Duration): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value : undefined;
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)\s*$/.exec(value);
  return match ? Number(match[1]) * UNITS[match[2]!]! : undefined;
}

/** Like toMs, for values already validated. */
export function ms(value: Duration): number {
  const result = toMs(value);
  if (result === undefined) throw new RangeError(`not a duration: ${JSON.stringify(value)}`);
  return result;
}
