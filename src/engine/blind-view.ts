import type { LiveStatus } from '../responders/live-status.ts';
import type { JournalEvent, JournalKind } from './journal.ts';

/**
 * What the desk may see of a blind round's timeline while it is blind: what an on-call sees (the
 * alerts, their own checkpoints and commands, the harness's verdicts on time) and nothing that names
 * or hints at the fault. A kind is hidden unless listed here, so a kind added later is hidden too.
 */
const SHOWN: ReadonlySet<JournalKind> = new Set<JournalKind>([
  'baseline-ok',
  'alert-inactive',
  'alert-pending',
  'alert-firing',
  // The page as the team's own alerting system shows it (--alert-source): what an on-call sees first.
  'source-alert',
  'checkpoint',
  'responder-action',
  'responder-action-failed',
  'facilitator-abort',
  'not-detected',
  'time-box',
  'recovered',
  'aborted',
  'revealed',
]);

/** Shown without their words: that the incident began, that it is fully under way. */
const WITHOUT_DETAIL: ReadonlySet<JournalKind> = new Set<JournalKind>(['fault-injecting', 'fault-injected']);

/**
 * Filters one scenario's events for a blind round: `firstFault` says whether this is the incident's
 * first fault event of its kind (a compound incident's later faults are not announced at all: an
 * on-call sees only their symptoms).
 */
export function blindEvent(event: JournalEvent, firstOfItsKind: boolean): JournalEvent | undefined {
  if (SHOWN.has(event.kind)) return event;
  if (WITHOUT_DETAIL.has(event.kind) && firstOfItsKind) {
    const { detail: _detail, ...rest } = event;
    return {
      ...rest,
      detail: event.kind === 'fault-injecting' ? 'the incident begins' : 'the incident is under way',
    } as JournalEvent;
  }
  return undefined;
}

/** The live view and `gameday status` of a blind round: the scenario unnamed, the rest as it is. */
export function blindStatus(status: LiveStatus, label: string): LiveStatus {
  return {
    ...status,
    scenario: {
      ...status.scenario,
      id: label,
      title: 'blind: work it from the alerts, the metrics, the pods and the logs',
    },
  };
}
