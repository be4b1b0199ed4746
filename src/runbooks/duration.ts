const UNIT_MS: ReadonlyArray<[RegExp, number]> = [
  [/^(ms|msecs?|milliseconds?)$/i, 1],
  [/^(s|secs?|seconds?)$/i, 1000],
  [/^(m|mins?|minutes?)$/i, 60_000],
  [/^(h|hrs?|hours?)$/i, 3_600_000],
  [/^(d|days?)$/i, 86_400_000],
];

/** Longest alternatives first, so "ms" is not read as "m" and "minutes" not as "min". */
const DURATION =
  /^\s*(?:[<>≤≥~]=?\s*|(?:within|about|under|over|for)\s+)?(\d+(?:\.\d+)?)\s*\+?\s*(milliseconds?|msecs?|ms|seconds?|secs?|s|minutes?|mins?|m|hours?|hrs?|h|days?|d)\b/i;

/**
 * Reads the duration a piece of runbook text starts with, in milliseconds: "5+ minutes sustained" →
 * 300000, "<5 min" → 300000, "within 1 min" → 60000, "500ms" → 500, "1 hour" → 3600000. Text that does
 * not start with a number and a time unit ("Next business day", "sustained") gives undefined.
 */
export function parseDuration(text: string): number | undefined {
  const match = DURATION.exec(text);
  if (!match) return undefined;
  const factor = UNIT_MS.find(([unit]) => unit.test(match[2]!))![1];
  // Rounded to the microsecond: "<0.3ms" is 0.3, not 0.
  return Math.round(Number(match[1]) * factor * 1000) / 1000;
}
