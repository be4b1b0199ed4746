import { stringify } from 'yaml';
import { AlertEvaluator, type AlertRule, type Comparator } from '../detection/alert-rule.ts';
import { promDuration } from '../detection/expr.ts';
import { MetricStore } from '../detection/metric-store.ts';
import type { GameDayResult, ScenarioResult } from '../engine/result.ts';

/** The recorded value of each scenario's alert expression, as the input series of its test. */
export const RECORDED_METRIC = 'gameday_recorded_alert_value';

export interface RuleTestFile {
  /** File name, e.g. bad-deploy.test.yml (its rule file beside it: bad-deploy.rules.yml). */
  name: string;
  rules: string;
  test: string;
  /** How many alert states it asserts. */
  assertions: number;
}

/** The recorded series on a fixed grid (promtool's input series have one interval). */
function resample(points: ScenarioResult['series']['alert'], stepMs: number): (number | null)[] {
  const end = points.at(-1)?.[0] ?? 0;
  const grid: (number | null)[] = [];
  let index = 0;
  let last: number | null = null;
  for (let t = 0; t <= end; t += stepMs) {
    while (index < points.length && points[index]![0] <= t) last = points[index++]![1];
    // Rounded here, so the expected states are judged on exactly the values promtool reads.
    grid.push(last === null ? null : Number(last.toPrecision(6)));
  }
  return grid;
}

function medianSpacing(points: ScenarioResult['series']['alert']): number {
  const gaps = points
    .slice(1)
    .map((point, i) => point[0] - points[i]![0])
    .sort((a, b) => a - b);
  return Math.max(1, Math.round(gaps[Math.floor(gaps.length / 2)] ?? 1_000));
}

/**
 * promtool's expanded notation: a value, `_` before any data, `stale` when the data stops (a gap in
 * Prometheus would otherwise keep the last value for the lookback period, where gameday saw no data).
 */
function valuesText(grid: (number | null)[]): string {
  let seen = false;
  return grid
    .map((value) => {
      if (value === null) return seen ? 'stale' : '_';
      seen = true;
      return String(value);
    })
    .join(' ');
}

/**
 * One scenario of a recorded run as a promtool rule test: the alert's expression as recorded (its
 * value every scrape) is the input series, the rule is the scenario's alert over it (the runbook's
 * threshold, comparator and duration), and the expected states are those gameday's evaluator gives on
 * the same series, asserted where they change and just before, at runbook time (the run's wall time ×
 * its time scale). It pins the alert's threshold and "for" on a real incident's shape: a rule change
 * that would have fired later, or not at all, fails the team's CI.
 */
export function ruleTestFor(scenario: ScenarioResult, timeScale: number): RuleTestFile | undefined {
  const points = scenario.series.alert;
  if (points.length < 2) return undefined;
  const wallStep = medianSpacing(points);
  const grid = resample(points, wallStep);
  // Whole milliseconds of runbook time per step, the finest promtool's durations take.
  const stepMs = Math.max(1, Math.round(wallStep * timeScale));
  const rule: AlertRule = {
    name: scenario.alertRule.name,
    expr: { fn: 'value', metric: RECORDED_METRIC, match: { scenario: scenario.id }, agg: 'max' },
    comparator: scenario.alertRule.comparator as Comparator,
    threshold: scenario.alertRule.threshold,
    forMs: scenario.alertRule.forMs,
    severity: scenario.severity,
    runbook: scenario.runbook.number,
    origin: scenario.alertRule.origin,
  };
  // The rule's states on the grid, evaluated every step as Prometheus evaluates its group.
  const store = new MetricStore(Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY);
  const evaluator = new AlertEvaluator(rule);
  const firing: boolean[] = grid.map((value, i) => {
    const now = i * stepMs;
    if (value !== null) store.add([{ name: RECORDED_METRIC, labels: { scenario: scenario.id }, value }], now);
    else store.clear();
    evaluator.evaluate({ store, now, scale: (ms) => ms });
    return evaluator.state === 'firing';
  });
  const ticks = new Set<number>([0, firing.length - 1]);
  firing.forEach((state, i) => {
    if (i > 0 && state !== firing[i - 1]) {
      ticks.add(i - 1);
      ticks.add(i);
    }
  });
  const labels = { severity: rule.severity, runbook: String(rule.runbook), scenario: scenario.id };
  const assertions = [...ticks]
    .sort((a, b) => a - b)
    .map((i) => ({
      eval_time: promDuration(i * stepMs),
      alertname: rule.name,
      exp_alerts: firing[i] ? [{ exp_labels: labels }] : [],
    }));
  const base = scenario.id;
  const rules = stringify(
    {
      groups: [
        {
          name: `recorded-${base}`,
          interval: promDuration(stepMs),
          rules: [
            {
              alert: rule.name,
              expr: `max by (scenario) (${RECORDED_METRIC}{scenario="${scenario.id}"}) ${rule.comparator} ${rule.threshold}`,
              for: promDuration(rule.forMs),
              labels: { severity: rule.severity, runbook: String(rule.runbook) },
            },
          ],
        },
      ],
    },
    { lineWidth: 0 },
  );
  const test = stringify(
    {
      rule_files: [`${base}.rules.yml`],
      evaluation_interval: promDuration(stepMs),
      tests: [
        {
          name: `${scenario.id}: ${scenario.alertRule.name} on the recorded incident`,
          interval: promDuration(stepMs),
          input_series: [
            { series: `${RECORDED_METRIC}{scenario="${scenario.id}"}`, values: valuesText(grid) },
          ],
          alert_rule_test: assertions,
        },
      ],
    },
    { lineWidth: 0, aliasDuplicateObjects: false },
  );
  return { name: `${base}.test.yml`, rules, test, assertions: assertions.length };
}

/** Every scenario of a run that recorded its alert, as promtool rule tests. */
export function ruleTests(result: GameDayResult): RuleTestFile[] {
  return result.scenarios
    .map((scenario) => ruleTestFor(scenario, result.timeScale))
    .filter((file): file is RuleTestFile => file !== undefined);
}
