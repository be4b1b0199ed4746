import type { Clock } from '../core/clock.ts';

/** What every journal entry has: when, on the run's one clock. */
interface EventTime {
  /** Milliseconds since the scenario started (wall clock). */
  atMs: number;
  /** Epoch milliseconds. */
  at: number;
  detail?: string;
}

/** Entries that carry only their text. */
type PlainKind =
  | 'scenario-start'
  | 'traffic-start'
  | 'remedy-prepared'
  | 'baseline-ok'
  | 'false-alarm'
  | 'fault-injecting'
  | 'fault-note'
  | 'fault-injected'
  | 'fault-not-injected'
  | 'not-detected'
  | 'runbook-diagnostics'
  | 'runbook-diagnostics-failed'
  | 'remedy-skipped'
  | 'remedy-step-skipped'
  | 'decision'
  | 'not-resolved'
  | 'time-box'
  | 'runbook-verify-failed'
  | 'aborted'
  | 'error'
  | 'step-abandoned'
  | 'fault-reverted'
  | 'revert-failed'
  | 'restore-step-done'
  | 'restore-step-failed'
  | 'invariants'
  | 'facilitator-abort'
  | 'responder-action-failed'
  | 'source-unknown-alert'
  | 'source-unreachable'
  | 'source-reachable'
  | 'guard-fired'
  | 'parity'
  | 'revealed';

/** Entries that carry fields besides their text, and which. */
interface FieldsByKind {
  'alert-inactive': { value: number | undefined; alert?: string };
  'alert-pending': { value: number | undefined; alert?: string };
  'alert-firing': { value: number | undefined; alert?: string };
  'remedy-step': { action: string; runbookStep?: string };
  'remedy-step-done': { action: string };
  'remedy-step-failed': { action: string };
  recovered: { recoveredAt: number };
  checkpoint: { checkpoint: string; source: string };
  'responder-action': { action: string; changes: boolean };
  'source-alert': {
    source: 'prometheus' | 'alertmanager';
    state: 'inactive' | 'pending' | 'firing';
    suppressedBy?: 'silence' | 'inhibition';
  };
  /** A fault carried out as an AWS FIS experiment (--faults fis): its id and state as it moves. */
  'fault-experiment': { experimentId: string; status: string };
  diagnosis: { verdict: string };
}

export type JournalKind = PlainKind | keyof FieldsByKind;

/** The fields an entry of `kind` carries besides its time and text. */
export type EventFields<K extends JournalKind> = K extends keyof FieldsByKind
  ? FieldsByKind[K]
  : Record<never, never>;

/**
 * One thing that happened in a scenario. Reporters switch on `kind`; the compiler checks that each
 * handles the kinds it shows, and a renamed kind breaks the build rather than a chart.
 */
export type JournalEvent = { [K in JournalKind]: EventTime & { kind: K } & EventFields<K> }[JournalKind];

/** Adds an entry; returns its epoch ms. Kinds with fields must be given them. */
export type Note = <K extends JournalKind>(
  kind: K,
  detail?: string,
  ...fields: K extends keyof FieldsByKind ? [FieldsByKind[K]] : []
) => number;

export type EventOf<K extends JournalKind> = Extract<JournalEvent, { kind: K }>;

/** The entries of one kind, typed by it. */
export function eventsOf<K extends JournalKind>(events: readonly JournalEvent[], kind: K): EventOf<K>[] {
  return events.filter((event): event is EventOf<K> => event.kind === kind);
}

/** A scenario's timeline, in order, on the run's clock; each entry is also handed to `onEvent` as it happens. */
export class Journal {
  readonly events: JournalEvent[] = [];
  readonly startedAt: number;

  constructor(
    private readonly clock: Clock,
    private readonly onEvent?: (event: JournalEvent) => void,
  ) {
    this.startedAt = clock.now();
  }

  readonly note: Note = (kind, detail, ...fields) => {
    const at = this.clock.now();
    const event = {
      atMs: at - this.startedAt,
      at,
      kind,
      ...(detail ? { detail } : {}),
      ...fields[0],
    } as JournalEvent;
    this.events.push(event);
    this.onEvent?.(event);
    return at;
  };

  /** Milliseconds since the scenario started. */
  sinceStart(at = this.clock.now()): number {
    return at - this.startedAt;
  }
}
