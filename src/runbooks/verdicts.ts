/** One runbook step tried during this scenario's live fault (`gameday runbook verify`). */
export interface RunbookCheck {
  runbook: number;
  scenario: string;
  /** 1-based line of the step in the runbook document. */
  line: number;
  step: string;
  status: 'ok' | 'inaccurate' | 'broken' | 'manual';
  expected: string;
  seen: string;
}

/** A verdict on one runbook step, before it is tied to the runbook and scenario it was tried in. */
export type StepVerdict = Omit<RunbookCheck, 'runbook' | 'scenario'>;

/** A runbook claim next to what this run measured. */
export interface ClaimResult {
  claim: string;
  /** The runbook's number, in `unit` (durations in runbook milliseconds). */
  claimed: number;
  measured: number | null;
  unit: string;
  verdict: 'holds' | 'does not hold' | 'not measured';
  detail: string;
}
