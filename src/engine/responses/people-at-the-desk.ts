import { formatMs } from '../../core/format.ts';
import { DECISIONS } from '../../remediation/decisions.ts';
import type { BlindRound } from '../../responders/blind-round.ts';
import type { ResponderDesk } from '../../responders/responder-desk.ts';
import { runbookStepUse } from '../../responders/runbook-step-use.ts';
import type { RunbookStep } from '../../runbooks/steps.ts';
import { incidentFacts } from '../answer-key.ts';
import { scoreDrill } from '../drill-score.ts';
import { incidentFixes } from '../incident-fixes.ts';
import type { ScenarioResult } from '../result.ts';
import { type ScenarioRun, STEP_DEADLINES } from '../scenario-run.ts';
import type { Response } from './response.ts';
import { prepareRemedy } from './runbook-remedy.ts';

export interface DeskOptions {
  desk: ResponderDesk;
  /** The harness reverts the fault itself this long after it was in place (wall ms). */
  timeBoxMs: number;
  /**
   * The runbooks' steps, each with the procedure the incident follows in it (a compound incident's
   * alerts may belong to several), to say in the post-mortem which the responders used.
   */
  runbooks: readonly { steps: readonly RunbookStep[]; procedure?: string }[];
  /** A blind round: the desk does not name the scenario until it ends or is revealed. */
  blind?: BlindRound;
}

/**
 * Game-day mode: people work the incident with their own tools, through the desk. No remedy is carried
 * out. The harness watches for the alert (within its budget) and for recovery, which counts only once
 * they have tried a fix (a change, or "fix deployed" marked), and takes the fault back itself when the
 * time box runs out.
 */
export function peopleAtTheDesk({ desk, timeBoxMs, runbooks, blind }: DeskOptions): Response {
  let responded: NonNullable<ScenarioResult['responders']> | undefined;
  /** The remedy's decision points as the harness answers them when the fault is in place (not shown). */
  const answers = new Map<string, string>();
  return {
    mode: 'gameday',
    recoveryNeedsRemedy: true,
    async prepare(run) {
      const { scenario } = run.resolved;
      desk.open({
        id: scenario.id,
        title: scenario.title,
        stack: run.stack,
        note: run.note,
        startedAt: run.journal.startedAt,
        now: () => run.clock.now(),
        incident: incidentFacts(run.resolved),
        ...(blind ? { blind } : {}),
      });
      // People restoring data need the scheduled backup as much as the harness would.
      await prepareRemedy(run);
    },
    async respond(run) {
      await answerDecisions(run, answers);
      return respond(run, desk, timeBoxMs);
    },
    async close(run, aborted) {
      const record = await desk.close({ aborted });
      const runbookSteps = runbooks.flatMap(({ steps, procedure }) =>
        runbookStepUse(steps, procedure, record.actions),
      );
      const atMs = (at: number | undefined) => (at === undefined ? undefined : run.journal.sinceStart(at));
      responded = {
        ...record,
        runbookSteps,
        score: scoreDrill({
          record,
          runbookSteps,
          fixes: incidentFixes(run.resolved, answers, runbooks),
          faultAtMs: atMs(run.injectedAt),
          firedAtMs: atMs(run.watch.firedAt),
          recoveredAtMs: atMs(run.recoveredAt),
          startedAt: run.journal.startedAt,
          ...(blind ? { blind } : {}),
        }),
      };
    },
    live: () => ({ checkpoints: desk.recorded(), timeBoxMs }),
    report: () => (responded ? { responders: responded } : {}),
  };
}

/**
 * The remedy's decision points ("a deploy in the last 30 minutes?"), answered from the stack as the
 * fault is in place, before anyone acts: which branch's fixes count when the drill is scored. Kept out
 * of the timeline (the desk would see it); one that cannot be answered leaves every branch counting.
 */
async function answerDecisions(run: ScenarioRun, answers: Map<string, string>): Promise<void> {
  for (const step of run.resolved.remedy) {
    if (step.action !== 'decide') continue;
    const { question, ...params } = step.params as { question: string };
    const outcome = await run
      .step(`deciding ${question}`, STEP_DEADLINES.decide, () =>
        DECISIONS[question]!.decide(params, { stack: run.stack, clock: run.clock }),
      )
      .catch(() => undefined);
    if (outcome) answers.set(question, outcome.answer);
  }
}

async function respond(
  run: ScenarioRun,
  desk: ResponderDesk,
  timeBoxMs: number,
): Promise<'passed' | 'failed'> {
  const { rule, detectWithinMs, recoveryHoldMs, resolveWithinMs } = run.resolved;
  const faultAt = run.injectedAt!;
  run.enter('responding', timeBoxMs);
  const detectBudget = run.scale(detectWithinMs);
  const holdMs = run.scale(recoveryHoldMs);
  const targetMs = resolveWithinMs === undefined ? undefined : run.scale(resolveWithinMs);
  let silenceNoted = false;
  let fixTried = false;
  run.recoveredAt = await run.until(() => {
    const now = run.clock.now();
    if (!silenceNoted && run.watch.firedAt === undefined && now > faultAt + detectBudget) {
      silenceNoted = true;
      run.note('not-detected', `${rule.name} silent after ${formatMs(detectBudget)}: nobody was paged`);
    }
    if (!fixTried && desk.fixAttemptedSince(run.journal.sinceStart(faultAt))) {
      fixTried = true;
      run.watch.responseEnds(now, true);
    }
    return run.watch.recoveredSince(now, holdMs);
  }, faultAt + timeBoxMs);
  const firedAt = run.watch.firedAt;
  const detectedInTime = firedAt !== undefined && firedAt - faultAt <= detectBudget;
  if (!detectedInTime)
    run.reasons.push(
      firedAt === undefined
        ? `not detected: ${run.watch.source?.whyNotDetected() ?? `${rule.name} did not fire`} within ${formatMs(detectBudget)} of the fault (threshold ${rule.comparator} ${rule.threshold})`
        : `detected late: ${rule.name} fired ${formatMs(firedAt - faultAt)} after the fault, over the ${formatMs(detectBudget)} budget`,
    );
  if (run.recoveredAt === undefined) {
    run.reasons.push(
      `time box: not resolved within ${formatMs(timeBoxMs)} of the fault; the harness reverted the fault itself`,
    );
    run.note(
      'time-box',
      `${formatMs(timeBoxMs)} passed with ${rule.name} ${run.watch.alertState}: reverting the fault`,
    );
    return 'failed';
  }
  run.note(
    'recovered',
    `${run.resolved.alerts.length > 1 ? 'every alert' : 'alert'} resolved and recovery checks held for ${formatMs(holdMs)}`,
    {
      recoveredAt: run.recoveredAt,
    },
  );
  desk.mark('service-restored', 'detected');
  if (targetMs !== undefined && run.recoveredAt - faultAt > targetMs) {
    run.reasons.push(
      `resolved in ${formatMs(run.recoveredAt - faultAt)}, over the ${formatMs(targetMs)} target`,
    );
    return 'failed';
  }
  return detectedInTime ? 'passed' : 'failed';
}
