import { formatNumber } from '../core/format.ts';

/** One expression's values as a wait saw them: [ms since the wait began, value or undefined]. */
export type SeenSeries = [number, number | undefined][];

const SHOWN_BEFORE_MS = 5_000;
const MAX_BEFORE = 12;
const MAX_AFTER = 4;

/**
 * The values around a deadline, as a failure message shows them: the last few seconds before it, a
 * line where it fell, and the first few after (a wait looks a little past its deadline for this).
 * With `markBeforeSample`, a sample at the mark's own moment is the first after the line (the one
 * that broke), and the line shows that moment to the same hundredth.
 */
export function seriesAround(
  series: SeenSeries,
  deadlineMs: number,
  mark = 'deadline',
  markBeforeSample = false,
): string {
  const isBefore = ([at]: SeenSeries[number]) => (markBeforeSample ? at < deadlineMs : at <= deadlineMs);
  const before = series
    .filter((sample) => isBefore(sample) && sample[0] >= deadlineMs - SHOWN_BEFORE_MS)
    .slice(-MAX_BEFORE);
  const after = series.filter((sample) => !isBefore(sample)).slice(0, MAX_AFTER);
  if (before.length + after.length === 0) return '    (no samples: the stack’s /metrics did not answer)';
  const line = ([at, value]: SeenSeries[number]) =>
    `    ${seconds(at).padStart(8)}  ${value === undefined ? 'no data' : formatNumber(value)}`;
  return [...before.map(line), `    ── ${mark} ${seconds(deadlineMs)} ──`, ...after.map(line)].join('\n');
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}
