import type { BlindRound } from '../responders/blind-round.ts';
import type { DiagnosisVerdict } from '../responders/diagnosis.ts';
import type { DeskRecord, ResponderAction } from '../responders/responder-desk.ts';
import type { RunbookStepUse } from '../responders/runbook-step-use.ts';

/**
 * A game-day drill's scorecard: how long the people took to see, take, understand and fix the
 * incident, each from the fault in place (wall ms; null when it never happened), and how they got
 * there.
 */
export interface DrillScore {
  blind: boolean;
  /** A blind round the facilitator revealed early: when, after the fault was in place. */
  revealedAtMs?: number;
  timeToDetectMs: number | null;
  timeToAcknowledgeMs: number | null;
  /** The first right diagnosis (`gameday mark root-cause "…"`), before any early reveal. */
  timeToRightDiagnosisMs: number | null;
  timeToResolveMs: number | null;
  /** The best diagnosis given (right, partly right, wrong, vague); null when none was. */
  diagnosis: DiagnosisVerdict | null;
  /** The runbook steps for this incident that the harness can observe, and how many were used. */
  runbookSteps: { used: number; observable: number };
  /**
   * Commands that changed the deployment without helping: neither one of the incident's fixes (its
   * remedy, on the branch its decisions take) nor a step of the runbook procedure that answers it.
   */
  wrongTurns: { atMs: number; command: string }[];
}

/** A change that fixes: an action, and for set-env the settings it must touch. */
export interface Fix {
  action: string;
  envKeys?: string[];
}

const ENV_KEY = /\b([A-Z][A-Z0-9_]*)=/g;
/** The settings a command or a runbook step sets ("set env A=1 B=2" → A, B). */
export const keysIn = (text: string) => [...text.matchAll(ENV_KEY)].map((match) => match[1]!);

/** Whether a responder's change is one of the fixes (set-env: touching one of the settings they name). */
function helps(action: ResponderAction, fixes: readonly Fix[]): boolean {
  return fixes.some(
    (fix) =>
      fix.action === action.action &&
      (fix.envKeys === undefined || keysIn(action.command).some((key) => fix.envKeys!.includes(key))),
  );
}

const RANK: DiagnosisVerdict[] = ['right', 'partly right', 'wrong', 'vague'];

export interface DrillFacts {
  record: DeskRecord;
  runbookSteps: readonly RunbookStepUse[];
  fixes: readonly Fix[];
  /** Ms since the scenario started: the fault in place, the alert firing, recovery. */
  faultAtMs: number | undefined;
  firedAtMs: number | undefined;
  recoveredAtMs: number | undefined;
  blind?: BlindRound;
  /** The scenario's start, epoch ms (to place an early reveal). */
  startedAt: number;
}

export function scoreDrill(facts: DrillFacts): DrillScore {
  const { record, faultAtMs } = facts;
  const since = (atMs: number | undefined) =>
    atMs === undefined || faultAtMs === undefined ? null : Math.max(0, atMs - faultAtMs);
  const revealedAt = facts.blind?.revealedEarlyAt;
  const revealedAtMs = revealedAt === undefined ? undefined : revealedAt - facts.startedAt;
  const acknowledged = record.checkpoints.find((c) => c.id === 'acknowledged');
  const right = record.diagnoses.find(
    (d) => d.verdict === 'right' && (revealedAtMs === undefined || d.atMs < revealedAtMs),
  );
  const best = RANK.find((verdict) => record.diagnoses.some((d) => d.verdict === verdict)) ?? null;
  const observable = facts.runbookSteps.filter((step) => step.action);
  const revealed = since(revealedAtMs);
  return {
    blind: facts.blind !== undefined,
    ...(revealed === null ? {} : { revealedAtMs: revealed }),
    timeToDetectMs: since(facts.firedAtMs),
    timeToAcknowledgeMs: since(acknowledged?.atMs),
    timeToRightDiagnosisMs: since(right?.atMs),
    timeToResolveMs: since(facts.recoveredAtMs),
    diagnosis: best,
    runbookSteps: { used: observable.filter((step) => step.used).length, observable: observable.length },
    wrongTurns: record.actions
      .filter(
        (action) =>
          action.changes &&
          action.ok &&
          (faultAtMs === undefined || action.atMs >= faultAtMs) &&
          !helps(action, facts.fixes),
      )
      .map((action) => ({ atMs: since(action.atMs)!, command: action.command })),
  };
}
