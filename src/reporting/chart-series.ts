import type { ValueUnit } from '../core/format.ts';
import { KEY_METRICS, type KeyMetric } from '../detection/key-metrics.ts';
import type { ScenarioResult } from '../engine/result.ts';
import type { SeriesPoint } from '../engine/series-recorder.ts';

export type ChartName = 'alert' | KeyMetric['id'];

/** One chart of a scenario, as the report's client script draws it. */
export interface ChartSpec {
  name: ChartName;
  title: string;
  /** The series' name in the chart's legend, shorter than the title. */
  label: string;
  /** What the values measure; the page writes them with core/format.ts's formatValue, as the terminal does. */
  unit: ValueUnit;
  /** The alert's threshold, drawn as a horizontal line (alert chart only). */
  threshold?: { value: number; comparator: string };
  /** uPlot's column layout: seconds since the scenario started, and the values (null for no data). */
  data: [number[], (number | null)[]];
  /** Values that are not null: 0 means the chart is a "no data" placeholder. */
  points: number;
}

/** Four significant digits: a chart shows no more, and float noise (1.2300000000000002) stays out of the page. */
const tidy = (value: number) => Number(value.toPrecision(4));

function columns(points: readonly SeriesPoint[] | undefined): Pick<ChartSpec, 'data' | 'points'> {
  const xs: number[] = [];
  const ys: (number | null)[] = [];
  for (const [atMs, value] of points ?? []) {
    xs.push(atMs / 1000);
    ys.push(typeof value === 'number' && Number.isFinite(value) ? tidy(value) : null);
  }
  return { data: [xs, ys], points: ys.filter((value) => value !== null).length };
}

/**
 * The alert's expression against its threshold, then every key metric. Reports from before the key
 * metrics were recorded have only `series.alert`: the other charts come out empty, not missing.
 */
export function scenarioCharts(scenario: Pick<ScenarioResult, 'alertRule' | 'series'>): ChartSpec[] {
  const series: Partial<Record<string, SeriesPoint[]>> = scenario.series ?? {};
  const rule = scenario.alertRule;
  const alert: ChartSpec = {
    name: 'alert',
    // The expression itself is in the scenario's facts: written here it would crowd out the chart.
    title: `Alert ${rule.name} (fires at ${rule.comparator} ${rule.threshold})`,
    label: rule.name,
    unit: 'value',
    threshold: { value: rule.threshold, comparator: rule.comparator },
    ...columns(series.alert),
  };
  const metrics = KEY_METRICS.map((metric): ChartSpec => {
    const label = metric.title.replace(/\s*\(.*\)$/, '');
    return { name: metric.id, title: metric.title, label, unit: metric.unit, ...columns(series[metric.id]) };
  });
  return [alert, ...metrics];
}

/** Where a scenario's x axis ends: its duration, or later if something was recorded after it. */
export function scenarioEndMs(scenario: Pick<ScenarioResult, 'durationMs' | 'series' | 'timeline'>): number {
  const lastPoints = Object.values(scenario.series ?? {}).map((points) => points?.at(-1)?.[0] ?? 0);
  const events = scenario.timeline.map((event) => event.atMs);
  return Math.max(scenario.durationMs, ...events, ...lastPoints);
}
