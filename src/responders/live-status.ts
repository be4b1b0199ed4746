import { formatClock, formatMs, formatNumber, formatValue } from '../core/format.ts';
import type { AlertState } from '../detection/alert-rule.ts';
import type { KeyMetric } from '../detection/key-metrics.ts';
import { CHECKPOINTS } from './checkpoints.ts';
import type { RecordedCheckpoint } from './responder-desk.ts';

/** Where a scenario is: what the progress line and the game-day view show. */
export type ScenarioPhase =
  | 'baseline'
  | 'injecting'
  | 'detecting'
  | 'remediating'
  | 'responding'
  | 'recovering'
  | 'reverting';

/** An alert as responders see it: its state and its value against its threshold. */
export interface LiveAlert {
  name: string;
  state: AlertState;
  value?: number;
  comparator: string;
  threshold: number;
}

/** A running scenario's state, published after every scrape (progress line, game-day view, `gameday status`). */
export interface LiveStatus {
  scenario: { id: string; title: string; severity: string; index?: number; count?: number };
  mode: 'auto' | 'gameday';
  phase: ScenarioPhase;
  phaseElapsedMs: number;
  /** How long this phase may take (wall): the detection budget, the time box, the resolution target. */
  phaseBudgetMs?: number;
  /** Since the fault was fully in place. */
  faultActiveMs?: number;
  /** The first alert: the page. */
  alert: LiveAlert;
  /** Every alert, the first included (a compound incident has several). */
  alerts?: LiveAlert[];
  metrics: { id: KeyMetric['id']; title: string; unit: KeyMetric['unit']; value?: number }[];
  /** The severity's resolution target, wall ms from the fault. */
  targetMs?: number;
  /** Game-day mode: the harness reverts the fault itself this long after injecting it. */
  timeBoxMs?: number;
  checkpoints: RecordedCheckpoint[];
}

function scenarioLabel(status: LiveStatus): string {
  const position = status.scenario.index ? `[${status.scenario.index}/${status.scenario.count}] ` : '';
  return `${position}${status.scenario.id}`;
}

/** One line for progress: scenario, phase, elapsed against its budget. */
export function progressLine(status: LiveStatus): string {
  const budget = status.phaseBudgetMs ? ` of ${formatMs(status.phaseBudgetMs)}` : '';
  const alert = status.alert.state === 'inactive' ? '' : ` · alert ${status.alert.state}`;
  return `${scenarioLabel(status)} · ${status.phase} ${formatMs(status.phaseElapsedMs)}${budget}${alert}`;
}

/** The game-day view: what responders watch while they work the incident. */
export function describeStatus(status: LiveStatus): string[] {
  const alerts = status.alerts ?? [status.alert];
  const shown = alerts
    .map((alert) => {
      const value = alert.value === undefined ? 'no data' : formatNumber(alert.value);
      return `alert ${alert.name} ${alert.state.toUpperCase()} (${value}, fires ${alert.comparator} ${alert.threshold})`;
    })
    .join(' · ');
  const lines = [
    `${scenarioLabel(status)}: ${status.scenario.title} (${status.scenario.severity}) · ${status.phase}`,
    status.faultActiveMs === undefined
      ? 'fault: not injected yet'
      : `fault active for ${formatClock(status.faultActiveMs)} · ${shown}`,
    status.metrics.map((metric) => `${metric.id} ${formatValue(metric.value, metric.unit)}`).join(' · '),
  ];
  if (status.faultActiveMs !== undefined) {
    const target =
      status.targetMs === undefined
        ? `no ${status.scenario.severity} target`
        : status.faultActiveMs <= status.targetMs
          ? `${formatClock(status.targetMs - status.faultActiveMs)} left of the ${status.scenario.severity} target (${formatClock(status.targetMs)})`
          : `${formatClock(status.faultActiveMs - status.targetMs)} OVER the ${status.scenario.severity} target (${formatClock(status.targetMs)})`;
    const timeBox =
      status.timeBoxMs === undefined
        ? ''
        : ` · time box ends in ${formatClock(status.timeBoxMs - status.faultActiveMs)}`;
    lines.push(`${target}${timeBox}`);
  }
  if (status.mode === 'gameday') {
    lines.push(
      `checkpoints: ${CHECKPOINTS.map((checkpoint) => {
        const done = status.checkpoints.find((c) => c.id === checkpoint.id);
        return done ? `✓ ${checkpoint.title} +${formatClock(done.atMs)}` : `· ${checkpoint.title}`;
      }).join('  ')}`,
    );
  }
  return lines;
}
