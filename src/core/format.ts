/**
 * Numbers and units as people read them, in one place: the terminal, the post-mortem, the reports and
 * report.html's browser script (which gets these very functions, inlined by their source text, so each
 * must stay self-contained: no imports, and calls only to the others in this file).
 */

/** What a value measures: a share (0.05 → 5 %), seconds, milliseconds, bytes, a count, a breaker state. */
export type ValueUnit = 'ratio' | 'seconds' | 'ms' | 'bytes' | 'count' | 'state' | 'value';

/** "1.2 s", "350 ms", "2.5 min". */
export function formatMs(value: number): string {
  if (!Number.isFinite(value)) return 'n/a';
  if (Math.abs(value) < 1_000) return `${Math.round(value)} ms`;
  if (Math.abs(value) < 120_000) return `${(value / 1_000).toFixed(1)} s`;
  return `${(value / 60_000).toFixed(1)} min`;
}

/** Four significant digits, without float noise (1.2300000000000002 → "1.23"). */
export function formatNumber(value: number): string {
  return String(Number(value.toPrecision(4)));
}

/** A value in its unit; "no data" when there is none. */
export function formatValue(value: number | null | undefined, unit: ValueUnit | string): string {
  if (value === undefined || value === null || Number.isNaN(value)) return 'no data';
  switch (unit) {
    case 'ratio':
      return `${(value * 100).toFixed(Math.abs(value) < 0.1 ? 2 : 1)} %`;
    case 'seconds':
      return Math.abs(value) < 1 ? `${Math.round(value * 1000)} ms` : `${value.toFixed(2)} s`;
    case 'ms':
      return formatMs(value);
    case 'bytes':
      return `${(value / (1024 * 1024)).toFixed(2)} MB`;
    case 'state':
      return value >= 1 ? 'open' : value > 0 ? 'half-open' : 'closed';
    default:
      return formatNumber(value);
  }
}

/** A measured quantity in any unit: the known ones as formatValue writes them, others after the number. */
export function formatQuantity(value: number | null | undefined, unit: string): string {
  if (value === undefined || value === null) return '—';
  const known = ['ratio', 'seconds', 'ms', 'bytes', 'state', 'count', 'value'];
  return known.includes(unit) ? formatValue(value, unit) : `${formatNumber(value)} ${unit}`;
}

/** A stopwatch reading, "m:ss". */
export function formatClock(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;
}

/** An offset on a scenario's timeline, "12.34 s". */
export function formatOffset(ms: number, digits = 2): string {
  return `${(ms / 1000).toFixed(digits)} s`;
}
