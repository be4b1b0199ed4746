/** One runbook step tried during this scenario's live fault (`gameday runbook verify`). */
export interface RunbookCheck {
  runbook: number;
  scenario: string;
  /** 1-based line of the step in the runbook document. */
  line: number;
  step: string;
  status: 'ok' | 'inaccurate' | 'broken' | 'manual';
  expected: string;
  /** What was observed, in words: the judgements' observations, worst first. */
  seen: string;
  /** Every rule that judged the step and what it observed; the status is the worst of them. */
  judgements: Judgement[];
  /**
   * For a step that is broken or inaccurate: what did the job during the fault instead (the harness
   * action that stood in, the query that showed the culprit, the measured value), for whoever
   * rewrites the step (`gameday runbook fix`).
   */
  worked?: WhatWorked[];
}

export type CheckStatus = RunbookCheck['status'];

/**
 * The rules a step is judged by. `runs`: PostgreSQL or the shell accepted it as written. `shows-fault`:
 * its result shows what the harness knows of the fault. `label`: its result contains what its heading or
 * comment says it shows. `coverage`: a procedure handles what the check finds. `effect`: the change
 * reached the sessions (or replicas) that serve users. `applies`: when a server parameter takes effect.
 * `numbers`: the step's number against the system's limits and the runbook's other numbers. `outcome`:
 * the incident resolved after the fix. `claim`: a number the runbook states, measured. `expectation`:
 * the output a comment says to expect. `manual`: a person's step.
 */
export type JudgingRule =
  | 'runs'
  | 'shows-fault'
  | 'label'
  | 'coverage'
  | 'effect'
  | 'applies'
  | 'numbers'
  | 'outcome'
  | 'claim'
  | 'expectation'
  | 'manual';

export interface Judgement {
  rule: JudgingRule;
  status: CheckStatus;
  /** What was observed that decides it: never empty (an ok names its evidence). */
  observed: string;
}

/** What did the job during the fault where the runbook's step did not, in a form a tool can use. */
export type WhatWorked =
  /** The harness's own remedy action, carried out in the step's place. */
  | { kind: 'harness-action'; action: string; detail: string; sql?: string }
  /** A query (the harness's or another step's) that showed the culprit. */
  | { kind: 'query'; sql: string; showed: string; line?: number }
  /** A shell command that did it, as run. */
  | { kind: 'command'; command: string; output: string }
  /** The value measured where the runbook states another. */
  | { kind: 'measured'; quantity: string; value: number; unit: string; claimed?: number }
  /** A setting and how it really takes effect. */
  | {
      kind: 'setting';
      name: string;
      value: string;
      /** now: every session at once; reload: after pg_reload_conf(); new-sessions: only sessions opened after it; restart: the server (or the backend) must restart. */
      takesEffect: 'now' | 'reload' | 'new-sessions' | 'restart';
      how: string;
    }
  /** A number the step writes, against what the system and the other steps allow. */
  | { kind: 'number'; name: string; written: number; limit: number; detail: string };

/** A verdict on one runbook step, before it is tied to the runbook and scenario it was tried in. */
export type StepVerdict = Omit<RunbookCheck, 'runbook' | 'scenario'>;

const SEVERITY: Record<CheckStatus, number> = { broken: 3, inaccurate: 2, manual: 1, ok: 0 };

/**
 * A step's verdict from its judgements: the worst of them (a step any rule finds broken is broken; one
 * with a person's part is manual unless something is wrong with it). An ok must say what was observed:
 * a judgement without an observation is a bug in the judge, not a verdict.
 */
export function verdictOf(
  base: Pick<StepVerdict, 'line' | 'step' | 'expected'>,
  judgements: Judgement[],
  worked?: WhatWorked[],
): StepVerdict {
  if (judgements.length === 0) throw new Error(`line ${base.line}: a verdict needs at least one judgement`);
  for (const judgement of judgements) {
    if (!judgement.observed.trim())
      throw new Error(`line ${base.line}: the ${judgement.rule} judgement names nothing it observed`);
  }
  const ordered = [...judgements].sort((a, b) => SEVERITY[b.status] - SEVERITY[a.status]);
  const status = ordered[0]!.status;
  return {
    ...base,
    status,
    seen: ordered.map((judgement) => judgement.observed).join('; '),
    judgements: ordered,
    ...(worked && worked.length > 0 && status !== 'ok' ? { worked } : {}),
  };
}

/** A verdict decided by one rule. */
export function judged(
  base: Pick<StepVerdict, 'line' | 'step' | 'expected'>,
  rule: JudgingRule,
  status: CheckStatus,
  observed: string,
  worked?: WhatWorked[],
): StepVerdict {
  return verdictOf(base, [{ rule, status, observed }], worked);
}

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
