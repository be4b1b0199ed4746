import { formatMs, formatNumber } from '../../core/format.ts';
import type { ScenarioRun } from '../scenario-run.ts';

const show = (value: number | undefined) => (value === undefined ? 'no data' : formatNumber(value));

/** "X is firing (value 0.2)", and for a compound incident every alert's state in turn. */
export function alertStates(run: ScenarioRun): string {
  return run.watch
    .alerts()
    .map((alert) => `${alert.name} is ${alert.state} (value ${show(alert.value)})`)
    .join(', ');
}

/**
 * Recovered: every alert resolved and every recovery check holding for the hold period, watched until
 * `giveUpAt` (epoch ms). TTR is then judged against the severity's target, with the remedy's own work
 * (a rollout, an index build: real, not compressed by the time scale) set aside, except the part that
 * ran while the signals cleared after the damage stopped.
 */
export async function recover(run: ScenarioRun, giveUpAt: number): Promise<'passed' | 'failed'> {
  const { rule, resolveWithinMs, recoveryHoldMs } = run.resolved;
  const targetMs = resolveWithinMs === undefined ? undefined : run.scale(resolveWithinMs);
  const holdMs = run.scale(recoveryHoldMs);
  const injectedAt = run.injectedAt!;
  run.enter('recovering', targetMs);
  run.recoveredAt = await run.until(() => run.watch.recoveredSince(run.clock.now(), holdMs), giveUpAt);
  if (run.recoveredAt === undefined) {
    const failing = run.watch
      .failingChecks()
      .map((check) => `; check "${check.name}" is ${show(check.value)}`)
      .join('');
    run.reasons.push(
      `not resolved: ${alertStates(run)} ${formatMs(run.clock.now() - injectedAt)} after the fault${failing}`,
    );
    run.note('not-resolved', `${rule.name} ${run.watch.alertState}`);
    return 'failed';
  }
  run.note(
    'recovered',
    `${run.resolved.alerts.length > 1 ? 'every alert' : 'alert'} resolved and recovery checks held for ${formatMs(holdMs)}`,
    {
      recoveredAt: run.recoveredAt,
    },
  );
  run.workJudged = run.judgeWork(run.recoveredAt);
  const { setAsideMs, whileClearingMs } = run.workJudged;
  if (targetMs !== undefined && run.recoveredAt - injectedAt - setAsideMs > targetMs) {
    run.reasons.push(
      `resolved in ${formatMs(run.recoveredAt - injectedAt)} (${formatMs(setAsideMs)} of it the remedy's own work${whileClearingMs > 0 ? `; ${formatMs(whileClearingMs)} more ran while the alert's window cleared, which counts` : ''}), over the ${formatMs(targetMs)} target`,
    );
    return 'failed';
  }
  return 'passed';
}

/** How long to keep watching for recovery: past the target, so a late recovery still gets its time. */
export function lateRecoveryLimit(run: ScenarioRun): number {
  const { resolveWithinMs } = run.resolved;
  const targetMs = resolveWithinMs === undefined ? 60_000 : run.scale(resolveWithinMs);
  return Math.max(run.injectedAt! + targetMs * 1.5, run.clock.now() + 10_000);
}
