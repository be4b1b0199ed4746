import type { ScenarioResult, TimelineEvent } from '../engine/result.ts';

/** A moment worth seeing on every chart of a scenario, in seconds since the scenario started. */
export interface ChartMark {
  atS: number;
  label: string;
}

/**
 * The timeline's moments drawn over a scenario's charts, so a reader can line a metric's curve up with
 * what was done to the system and when.
 */
export interface ChartMarks {
  /** [from, to] in seconds: while a fault was in place. */
  faultWindows: [number, number][];
  alertFiring: ChartMark[];
  checkpoints: ChartMark[];
  recovered: ChartMark[];
  responderActions: ChartMark[];
}

/** Events after which the fault is no longer in place (the harness's own time box reverts it too). */
const FAULT_ENDS = new Set(['fault-reverted', 'time-box']);

const seconds = (atMs: number) => atMs / 1000;

const mark = (event: TimelineEvent, label: string): ChartMark => ({ atS: seconds(event.atMs), label });

/** "root-cause" reads as "root cause" on a chart. */
const checkpointLabel = (event: TimelineEvent) =>
  typeof event.checkpoint === 'string' ? event.checkpoint.replace(/-/g, ' ') : (event.detail ?? 'checkpoint');

/**
 * The marks of one scenario. A fault window runs from 'fault-injected' to the first revert after it;
 * a fault never reverted (or whose revert failed) stays shaded to `endMs`, because it was still there.
 */
export function chartMarks(scenario: Pick<ScenarioResult, 'timeline'>, endMs: number): ChartMarks {
  const timeline = [...scenario.timeline].sort((a, b) => a.atMs - b.atMs);
  const faultWindows: [number, number][] = [];
  let injectedAtMs: number | undefined;
  for (const event of timeline) {
    if (event.kind === 'fault-injected' && injectedAtMs === undefined) injectedAtMs = event.atMs;
    else if (FAULT_ENDS.has(event.kind) && injectedAtMs !== undefined) {
      faultWindows.push([seconds(injectedAtMs), seconds(event.atMs)]);
      injectedAtMs = undefined;
    }
  }
  if (injectedAtMs !== undefined) faultWindows.push([seconds(injectedAtMs), seconds(endMs)]);
  const of = (kind: string, label: (event: TimelineEvent) => string) =>
    timeline.filter((event) => event.kind === kind).map((event) => mark(event, label(event)));
  return {
    faultWindows,
    alertFiring: of('alert-firing', () => 'alert firing'),
    checkpoints: of('checkpoint', checkpointLabel),
    recovered: of('recovered', () => 'recovered'),
    responderActions: of('responder-action', (event) => event.detail ?? 'responder action'),
  };
}
