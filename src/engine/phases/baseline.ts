import { formatMs, formatNumber } from '../../core/format.ts';
import type { PhaseOutcome } from '../responses/response.ts';
import { type ScenarioRun, STEP_DEADLINES } from '../scenario-run.ts';

/** Traffic flowing and measurements taken before anything breaks. */
export async function startWatching(run: ScenarioRun): Promise<void> {
  run.note('scenario-start', run.resolved.scenario.title);
  await run.step('starting the traffic', STEP_DEADLINES.startTraffic, () => run.load.start());
  run.metrics.start((at) => run.observe(at));
  run.startSource();
  run.note('traffic-start', run.load.describe());
}

/** Steady traffic long enough to fill the alert's window: the alert must stay quiet (no false alarm). */
export async function baseline(run: ScenarioRun): PhaseOutcome {
  const { rule, baselineMs } = run.resolved;
  const window = 'windowMs' in rule.expr ? rule.expr.windowMs : 0;
  const wallMs = Math.max(run.scale(baselineMs), run.scale(window) + 1_000, 2_000);
  run.enter('baseline', wallMs);
  await run.pause(wallMs);
  const { watch } = run;
  if (watch.firedDuringBaseline || watch.firingNow) {
    run.reasons.push(`false alarm: ${rule.name} fired during the baseline, before any fault`);
    run.note(
      'false-alarm',
      `${rule.name} fired with no fault injected${watch.source ? ` (${watch.source.kind})` : ''}`,
    );
    return 'failed';
  }
  const value = watch.alertValue === undefined ? 'no data' : formatNumber(watch.alertValue);
  run.note('baseline-ok', `${rule.name} quiet for ${formatMs(wallMs)} (value ${value})`);
  return undefined;
}
