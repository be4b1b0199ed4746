import { AbortedError } from '../../core/aborted.ts';
import { formatMs } from '../../core/format.ts';
import { REMEDY_ACTIONS } from '../../remediation/registry.ts';
import { stackShell } from '../../responders/stack-shell.ts';
import { blockerEvidence } from '../../runbooks/run-diagnostics.ts';
import type { RunbookVerifier } from '../../runbooks/runbook-verifier.ts';
import type { VerifyContext } from '../../runbooks/verify-context.ts';
import { detect } from '../phases/detect.ts';
import { lateRecoveryLimit, recover } from '../phases/recover.ts';
import { type CarryOut, carryOutAction, remediate } from '../phases/remediate.ts';
import { type ScenarioRun, STEP_DEADLINES } from '../scenario-run.ts';
import type { Response } from './response.ts';
import { prepareRemedy } from './runbook-remedy.ts';

/**
 * `gameday runbook verify`: the harness responds as the runbook says, trying the runbook's own steps
 * against the live fault and judging each: its diagnostic queries while the fault is live, its SQL fixes
 * as written (the harness's action only where PostgreSQL refuses), and at the end its claims and its
 * "after the fix" numbers, measured on the fixed system before the revert.
 */
export function runbookVerification(verifier: RunbookVerifier): Response {
  let shell: ReturnType<typeof stackShell> | undefined;
  // A step abandoned by an abort goes on in the background: after close() it must not start a shell
  // (its ctl endpoint would keep the process from exiting).
  let closed = false;
  /** The verifier's view of this run: the stack, its shell (started once), the run's undo list. */
  const contextOf = async (run: ScenarioRun): Promise<VerifyContext> => {
    if (closed) throw new AbortedError('the runbook verification is over');
    shell ??= stackShell(run.stack);
    const { tools } = await shell;
    return {
      stack: run.stack,
      shell: tools,
      fixDeadlineMs: STEP_DEADLINES.remedyStep - 10_000,
      registerUndo: async (description, undo, recorded) => {
        const id = await run.context.ledger.register({
          scenario: run.resolved.scenario.id,
          kind: 'runbook-step',
          description,
          params: {},
          recorded,
        });
        run.undos.push({ id, description, undo });
      },
    };
  };
  const carryOutAsWritten: CarryOut = async (run, step) => {
    const context = await contextOf(run);
    const asWritten = await verifier.tryFix(context, step.runbookStep, step.action);
    if (asWritten) return asWritten;
    const detail = await carryOutAction(run, step);
    const sql = REMEDY_ACTIONS[step.action]?.asSql?.(step.params);
    await verifier.carriedOut(context, step.runbookStep, step.action, detail, sql);
    return detail;
  };
  return {
    mode: 'auto',
    recoveryNeedsRemedy: false,
    prepare: prepareRemedy,
    async respond(run) {
      const undetected = await detect(run);
      if (undetected) return undetected;
      const trying = run.clock.now();
      await bounded(
        run,
        'runbook-diagnostics-failed',
        STEP_DEADLINES.diagnose,
        'the runbook’s diagnostics',
        () => diagnose(run, verifier, contextOf),
      );
      await bounded(
        run,
        'runbook-verify-failed',
        STEP_DEADLINES.remedyStep,
        'the procedure’s settings changes',
        async () => verifier.procedureSettings(await contextOf(run)),
      );
      run.verificationWorkMs += run.clock.now() - trying;
      return (await remediate(run, carryOutAsWritten)) ?? (await recover(run, lateRecoveryLimit(run)));
    },
    async conclude(run) {
      const { injectedAt, recoveredAt } = run;
      if (injectedAt === undefined) return;
      await bounded(run, 'runbook-verify-failed', STEP_DEADLINES.conclude, 'judging the runbook', async () =>
        verifier.conclude(await contextOf(run), {
          resolved: recoveredAt !== undefined,
          why:
            recoveredAt !== undefined
              ? `the incident resolved ${formatMs(recoveredAt - injectedAt)} after the fault`
              : `the incident did not resolve (${run.reasons.at(-1) ?? 'gave up'})`,
          claims: run.watch.claimResults(),
        }),
      );
    },
    async close() {
      closed = true;
      const starting = shell;
      shell = undefined;
      await (await starting?.catch(() => undefined))?.close();
    },
    report: () => ({ runbookChecks: verifier.results() }),
  };
}

/** A verification step whose failure (or hang) is noted, not fatal: the scenario goes on. */
async function bounded(
  run: ScenarioRun,
  failed: 'runbook-diagnostics-failed' | 'runbook-verify-failed',
  deadlineMs: number,
  what: string,
  work: () => Promise<void>,
): Promise<void> {
  try {
    await run.step(what, deadlineMs, work);
  } catch (error) {
    if (error instanceof AbortedError) throw error;
    run.note(failed, (error as Error).message);
  }
}

/** Runs the runbook's read-only steps against the live fault, judged by what the harness knows of it. */
async function diagnose(
  run: ScenarioRun,
  verifier: RunbookVerifier,
  contextOf: (run: ScenarioRun) => Promise<VerifyContext>,
): Promise<void> {
  const known = [...run.evidence];
  // What the database says independently; during an outage it says nothing, and that is the fault.
  const [blockers, stored] = await Promise.all([
    blockerEvidence(run.stack.database.adminUrl()).catch(() => null),
    run.load.checkAcknowledged().catch(() => undefined),
  ]);
  if (blockers) known.push(blockers);
  const duplicated = stored?.duplicated ?? [];
  if (duplicated.length > 0)
    known.push({
      values: duplicated,
      description: `${duplicated.length} acknowledged message_id(s) stored twice`,
    });
  // What the harness knows is not happening: a check for it that finds nothing is right.
  const absent = [
    ...(blockers === undefined ? ['no session waits for a lock (pg_blocking_pids)'] : []),
    ...(stored && duplicated.length === 0 ? ['no acknowledged message is stored twice'] : []),
  ];
  const checks = await verifier.duringFault(await contextOf(run), known, absent);
  const count = (status: string) => checks.filter((check) => check.status === status).length;
  run.note(
    'runbook-diagnostics',
    `${checks.length} runbook steps tried during the fault: ${count('ok')} ok, ${count('inaccurate')} inaccurate, ${count('broken')} broken`,
  );
}
