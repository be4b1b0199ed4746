import type { Clock } from '../core/clock.ts';
import { formatMs, formatNumber } from '../core/format.ts';
import { AlertEvaluator, type AlertRule, compare } from '../detection/alert-rule.ts';
import { type Expr, evaluate, toPromQL } from '../detection/expr.ts';
import type { MetricStore } from '../detection/metric-store.ts';
import { StackMetrics } from '../detection/stack-metrics.ts';
import type { Stack } from '../stack/stack.ts';
import { type SeenSeries, seriesAround } from './series-text.ts';

/**
 * An alerting system someone else runs, read through its API: a Prometheus' /api/v1/alerts or an
 * Alertmanager's /api/v2/alerts, by the name of the alert. Any object of this shape serves.
 */
export interface AlertReader {
  readonly kind?: string;
  readonly url?: string;
  /** Every alert it holds now, by name; an alert not in the map is inactive there. */
  alerts(timeoutMs: number): Promise<Map<string, { state: 'pending' | 'firing'; suppressed?: unknown }>>;
}

/** A recovery check, resolved: its window in runbook time, scaled by the stack's time scale. */
export interface Check {
  name: string;
  expr: Expr;
  comparator: AlertRule['comparator'];
  threshold: number;
}

export interface Fired {
  /** From the wait's start until the alert fired (wall ms). */
  afterMs: number;
  /** The expression's value then (gameday's own evaluation). */
  value: number | undefined;
  /** Where "firing" was read: gameday's own evaluator (builtin), or the reader's kind. */
  source: string;
}

export interface Held {
  /** From the wait's start until the checks began to hold (wall ms). */
  afterMs: number;
  /** Each check's value when they had held long enough. */
  values: Record<string, number | undefined>;
}

/** Seen past a deadline before a wait gives up: what was just about to happen goes in the message. */
const LOOK_PAST_DEADLINE_MS = 1_000;
/** How long (wall) a check may have no data in `holds` before that counts as a miss. */
const NO_DATA_GRACE_MS = 2_000;

/**
 * What a test waits on, as Prometheus would see the stack: every replica's /metrics and the
 * PostgreSQL exporter scraped from the stack's start (so rate windows have history when a fault
 * lands), an alert rule evaluated as Prometheus' state machine does, and recovery checks.
 */
export class StackWatch {
  private readonly metrics: StackMetrics;
  private readonly listeners = new Set<(at: number) => void>();

  constructor(
    stack: Stack,
    private readonly clock: Clock,
    private readonly intervalMs: number,
    acknowledged: () => string[],
  ) {
    this.metrics = new StackMetrics(stack, { intervalMs, acknowledged });
  }

  get store(): MetricStore {
    return this.metrics.store;
  }

  start(): void {
    this.metrics.start((at) => {
      for (const listener of [...this.listeners]) listener(at);
    });
  }

  stop(): Promise<void> {
    return this.metrics.stop();
  }

  /** The expression's value on the latest samples (undefined: no data). */
  value(expr: Expr, now = this.clock.now()): number | undefined {
    return evaluate(expr, { store: this.store, now, scale: (ms) => this.clock.scaled(ms) });
  }

  /** Resolves at the next round of samples (or after a few missed rounds, so no wait hangs on a scrape). */
  private nextSample(): Promise<number> {
    return new Promise((resolve) => {
      const listener = (at: number) => {
        this.listeners.delete(listener);
        clearTimeout(timer);
        resolve(at);
      };
      const timer = setTimeout(() => listener(this.clock.now()), this.intervalMs * 8);
      this.listeners.add(listener);
    });
  }

  /** Each round of samples until `visit` returns a value; then that value. */
  private async rounds<T>(visit: (at: number) => Promise<T | undefined> | T | undefined): Promise<T> {
    for (;;) {
      const found = await visit(await this.nextSample());
      if (found !== undefined) return found;
    }
  }

  /**
   * Until the rule fires (read from `reader` if given, else from gameday's evaluator) or `withinMs`
   * passes; then an error showing the expression's values around the deadline.
   */
  async waitForAlert(rule: AlertRule, withinMs: number, reader?: AlertReader): Promise<Fired> {
    const evaluator = new AlertEvaluator(rule);
    const started = this.clock.now();
    const series: SeenSeries = [];
    const states: string[] = [];
    const outcome = await this.rounds<Fired | 'late'>(async (at) => {
      evaluator.evaluate({ store: this.store, now: at, scale: (ms) => this.clock.scaled(ms) });
      series.push([at - started, evaluator.lastValue]);
      let firing = evaluator.state === 'firing';
      if (reader) {
        const seen = await reader.alerts(1_000).then(
          (alerts) => alerts.get(rule.name),
          (error: Error) => ({ state: `unreachable (${error.message})` as const, suppressed: undefined }),
        );
        const state = seen ? `${seen.state}${seen.suppressed ? ' (suppressed)' : ''}` : 'inactive';
        if (states.at(-1) !== state) states.push(state);
        firing = seen?.state === 'firing' && !seen.suppressed;
      }
      if (firing && at - started <= withinMs)
        return { afterMs: at - started, value: evaluator.lastValue, source: reader?.kind ?? 'builtin' };
      return at - started > withinMs + LOOK_PAST_DEADLINE_MS ? 'late' : undefined;
    });
    if (outcome !== 'late') return outcome;
    const rule_ = `${toPromQL(rule.expr)} ${rule.comparator} ${formatNumber(rule.threshold)}${rule.forMs ? ` for ${formatMs(this.clock.scaled(rule.forMs))}` : ''}`;
    throw new Error(
      [
        `${rule.name} did not fire within ${formatMs(withinMs)} (${rule_}, time scale ${this.clock.timeScale})${reader ? `; ${reader.kind ?? 'the alert source'} said: ${states.join(' → ') || 'nothing'}` : ''}.`,
        `Its expression around the deadline (time since the wait began${reader ? ', gameday’s own evaluation' : ''}):`,
        seriesAround(series, withinMs),
      ].join('\n'),
    );
  }

  /**
   * Until every check has held for `holdMs` on end, within `withinMs`; then an error showing each
   * check that did not hold, with its values around the deadline.
   */
  async waitForChecks(checks: Check[], withinMs: number, holdMs: number): Promise<Held> {
    const started = this.clock.now();
    const seen = new Map(checks.map((check) => [check.name, [] as SeenSeries]));
    let holdingSince: number | undefined;
    const outcome = await this.rounds<Held | 'late'>((at) => {
      const values: Record<string, number | undefined> = {};
      let all = true;
      for (const check of checks) {
        const value = this.value(check.expr, at);
        values[check.name] = value;
        seen.get(check.name)!.push([at - started, value]);
        if (value === undefined || !compare(value, check.comparator, check.threshold)) all = false;
      }
      holdingSince = all ? (holdingSince ?? at) : undefined;
      // Holding began within the budget, and has lasted `holdMs` since.
      if (holdingSince !== undefined && holdingSince - started <= withinMs && at - holdingSince >= holdMs)
        return { afterMs: holdingSince - started, values };
      const hopeless = holdingSince === undefined || holdingSince - started > withinMs;
      return hopeless && at - started > withinMs + LOOK_PAST_DEADLINE_MS ? 'late' : undefined;
    });
    if (outcome !== 'late') return outcome;
    throw new Error(
      [
        `the checks did not hold for ${formatMs(holdMs)} within ${formatMs(withinMs)} (time scale ${this.clock.timeScale}):`,
        ...checks.map(
          (check) =>
            `  ${check.name}: ${toPromQL(check.expr)} ${check.comparator} ${formatNumber(check.threshold)}\n${seriesAround(seen.get(check.name)!, withinMs)}`,
        ),
      ].join('\n'),
    );
  }

  /**
   * Every check keeps holding for `forMs`; the first round one does not is an error with its values.
   * No data (a rate window with no requests in it) is a quiet moment, not a miss, unless it lasts
   * `NO_DATA_GRACE_MS` or the check never has data at all: a check cannot hold on nothing.
   */
  async holds(checks: Check[], forMs: number): Promise<void> {
    const started = this.clock.now();
    const seen = new Map(checks.map((check) => [check.name, [] as SeenSeries]));
    const quietSince = new Map<string, number>();
    let broken: { check: Check; at: number; quiet?: boolean } | undefined;
    const outcome = await this.rounds<Check | 'held'>((at) => {
      const since = at - started;
      for (const check of checks) {
        const value = this.value(check.expr, at);
        seen.get(check.name)!.push([since, value]);
        if (broken) continue;
        if (value === undefined) {
          const quiet = quietSince.get(check.name) ?? since;
          quietSince.set(check.name, quiet);
          const neverHadData = quiet === seen.get(check.name)![0]![0];
          if (since - quiet >= NO_DATA_GRACE_MS || (neverHadData && since >= forMs))
            broken = { check, at: quiet, quiet: true };
        } else {
          quietSince.delete(check.name);
          if (!compare(value, check.comparator, check.threshold)) broken = { check, at: since };
        }
      }
      // A moment more once one breaks, so the message shows whether it was a blip or lasting.
      if (broken) return since - broken.at >= LOOK_PAST_DEADLINE_MS ? broken.check : undefined;
      return since >= forMs ? 'held' : undefined;
    });
    if (outcome === 'held' || !broken) return;
    const series = seen.get(broken.check.name)!;
    const { at } = broken;
    throw new Error(
      [
        `${broken.check.name} stopped holding after ${formatMs(at)} of ${formatMs(forMs)}${broken.quiet ? ' (no data from then on)' : ''}: ${toPromQL(broken.check.expr)} ${broken.check.comparator} ${formatNumber(broken.check.threshold)} (time scale ${this.clock.timeScale}).`,
        'Its values (time since the check began):',
        // The line at the moment it broke, that moment's sample the first below it.
        seriesAround(series, at, 'broke', true),
      ].join('\n'),
    );
  }
}
