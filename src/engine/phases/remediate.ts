import { AbortedError } from '../../core/aborted.ts';
import { DECISIONS } from '../../remediation/decisions.ts';
import { REMEDY_ACTIONS } from '../../remediation/registry.ts';
import type { RemedyStep } from '../resolve-scenario.ts';
import type { PhaseOutcome } from '../responses/response.ts';
import { type ScenarioRun, STEP_DEADLINES } from '../scenario-run.ts';
import { awaitAlert } from './detect.ts';

/** Carries out one remedy step on the stack; returns what it did, for the timeline. */
export type CarryOut = (run: ScenarioRun, step: RemedyStep) => Promise<string>;

/** A remedy step as the harness's own action. */
export const carryOutAction: CarryOut = (run, step) =>
  REMEDY_ACTIONS[step.action]!.run(step.params, {
    stack: run.stack,
    incident: { faultStartedAt: run.damageOnset ?? run.injectionStartedAt! },
  });

/**
 * The runbook's steps, in order, each timed and bounded by a deadline; decision points pick the
 * branch a responder would. A failed step fails the scenario.
 */
export async function remediate(run: ScenarioRun, carryOut: CarryOut = carryOutAction): PhaseOutcome {
  run.enter('remediating');
  for (const step of run.resolved.remedy) {
    if (step.when && run.answers.get(step.when.question) !== step.when.answer) {
      run.note(
        'remedy-step-skipped',
        `${step.description} (only when ${step.when.question}=${step.when.answer})`,
      );
      continue;
    }
    if (step.onAlert !== undefined) {
      // A compound incident: this step answers a later page, so it waits for that alert to fire.
      const alert = run.resolved.alerts.find((a) => a.rule.name === step.onAlert)!;
      const undetected = await awaitAlert(run, alert);
      if (undetected) return undetected;
      run.enter('remediating');
    }
    if (step.action === 'decide') {
      await decide(run, step);
      continue;
    }
    const started = run.note('remedy-step', step.description, {
      action: step.action,
      ...(step.runbookStep ? { runbookStep: step.runbookStep } : {}),
    });
    const entry = { action: step.action, description: step.description, runbookStep: step.runbookStep };
    const log = (detail: string, ok: boolean) =>
      run.remedyLog.push({
        ...entry,
        startedAtMs: run.journal.sinceStart(started),
        durationMs: run.clock.now() - started,
        detail,
        ok,
      });
    const deadline = REMEDY_ACTIONS[step.action]?.deadlineMs ?? STEP_DEADLINES.remedyStep;
    try {
      const detail = await run.step(step.description, deadline, () => {
        const doing = carryOut(run, step);
        // An abort ends the wait for it, not the work: the revert waits for an irrevocable one.
        if (REMEDY_ACTIONS[step.action]?.irrevocable) run.remedying = doing.catch(() => undefined);
        return doing;
      });
      log(detail, true);
      run.note('remedy-step-done', detail, { action: step.action });
    } catch (error) {
      if (error instanceof AbortedError) throw error;
      const detail = (error as Error).message;
      log(detail, false);
      run.reasons.push(`remedy step "${step.description}" failed: ${detail}`);
      run.note('remedy-step-failed', detail, { action: step.action });
      return 'failed';
    }
  }
  run.watch.responseEnds(run.clock.now(), true);
  return undefined;
}

async function decide(run: ScenarioRun, step: RemedyStep): Promise<void> {
  const { question, ...params } = step.params as { question: string };
  const outcome = await run.step(`deciding ${question}`, STEP_DEADLINES.decide, () =>
    DECISIONS[question]!.decide(params, { stack: run.stack, clock: run.clock }),
  );
  run.answers.set(question, outcome.answer);
  run.decisions.push({
    question,
    answer: outcome.answer,
    evidence: outcome.evidence,
    runbookStep: step.runbookStep,
  });
  run.note('decision', `${question}? ${outcome.answer}: ${outcome.evidence}`);
}
