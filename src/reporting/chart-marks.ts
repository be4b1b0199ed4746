import { type EventOf, eventsOf, type JournalKind } from '../engine/journal.ts';
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

const seconds = (atMs: number) => atMs / 1000;

const mark = (event: TimelineEvent, label: string): ChartMark => ({ atS: seconds(event.atMs), label });

/** "root-cause" reads as "root cause" on a chart. */
const checkpointLabel = (event: EventOf<'checkpoint'>) => event.checkpoint.replace(/-/g, ' ');

/**
 * The marks of one scenario. Its faults go in together and are reverted together at its end (a time
 * box only starts that revert), so the fault window runs from 'fault-injected' to the last
 * 'fault-reverted'; a fault never reverted, or whose revert failed, stays shaded to `endMs`, because
 * it was still there.
 */
export function chartMarks(scenario: Pick<ScenarioResult, 'timeline'>, endMs: number): ChartMarks {
  const timeline = [...scenario.timeline].sort((a, b) => a.atMs - b.atMs);
  const injected = eventsOf(timeline, 'fault-injected')[0];
  const reverted = eventsOf(timeline, 'fault-reverted').at(-1);
  const stillThere = eventsOf(timeline, 'revert-failed').length > 0 || !reverted;
  const faultWindows: [number, number][] = injected
    ? [[seconds(injected.atMs), seconds(stillThere ? endMs : Math.max(reverted!.atMs, injected.atMs))]]
    : [];
  const of = <K extends JournalKind>(kind: K, label: (event: EventOf<K>) => string) =>
    eventsOf(timeline, kind).map((event) => mark(event, label(event)));
  return {
    faultWindows,
    alertFiring: of('alert-firing', () => 'alert firing'),
    checkpoints: of('checkpoint', checkpointLabel),
    recovered: of('recovered', () => 'recovered'),
    responderActions: of('responder-action', (event) => event.detail ?? 'responder action'),
  };
}
