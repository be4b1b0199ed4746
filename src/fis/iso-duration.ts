/**
 * ISO 8601 durations as FIS takes them in action parameters ("PT5M", "PT1H30M", "P1D"). Years and
 * months are refused: their length depends on the calendar, and FIS's limits are in hours.
 */
const PATTERN = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;

/** Milliseconds, or undefined when `text` is not such a duration. */
export function isoDurationMs(text: string): number | undefined {
  const match = PATTERN.exec(text);
  if (!match || text === 'P' || text.endsWith('T')) return undefined;
  const [, days, hours, minutes, seconds] = match;
  return (
    Number(days ?? 0) * 86_400_000 +
    Number(hours ?? 0) * 3_600_000 +
    Number(minutes ?? 0) * 60_000 +
    Math.round(Number(seconds ?? 0) * 1000)
  );
}

/** FIS's bounds on an action's `duration` (fis-actions-reference): one minute to twelve hours. */
export const MIN_ACTION_DURATION_MS = 60_000;
export const MAX_ACTION_DURATION_MS = 12 * 3_600_000;
