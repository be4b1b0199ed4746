import { formatNumber } from '../core/format.ts';

/** One expression's values as a wait saw them: [ms since the wait began, value or undefined]. */
export type SeenSeries = [number, number | undefined][];

const SHOWN_BEFORE_MS = 5_000;
const MAX_LINES = 16;

/**
 * The values around a deadline, as a failure message shows them: the last few seconds before it, a
 * line where it fell, and what came after (a wait looks a little past its deadline for this).
 */
export function seriesAround(series: SeenSeries, deadlineMs: number, mark = 'deadline'): string {
  const shown = series.filter(([at]) => at >= deadlineMs - SHOWN_BEFORE_MS).slice(-MAX_LINES);
  if (shown.length === 0) return '    (no samples: the stack’s /metrics did not answer)';
  const lines: string[] = [];
  let marked = false;
  for (const [at, value] of shown) {
    if (!marked && at > deadlineMs) {
      lines.push(`    ── ${mark} ${seconds(deadlineMs)} ──`);
      marked = true;
    }
    lines.push(`    ${seconds(at).padStart(8)}  ${value === undefined ? 'no data' : formatNumber(value)}`);
  }
  if (!marked) lines.push(`    ── ${mark} ${seconds(deadlineMs)} ──`);
  return lines.join('\n');
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}
