import { AbortedError } from '../../core/aborted.ts';
import { formatMs } from '../../core/format.ts';
import type { ScenarioRun } from '../scenario-run.ts';
import { injectFault } from './inject-fault.ts';

/**
 * A compound incident's later faults, from `firstLater` on: each is injected `after` its offset (runbook
 * time, scaled) from when the incident began, while the response is already under way, with its undo
 * registered first like any other. It runs beside the response and never races the revert: the
 * teardown stops it first (a fault not yet due is then never injected, and noted), waits for an
 * injection under way (bounded, as for the first faults), and only then reverts. An injection that
 * fails or hangs past its deadline ends the scenario with an error, as it would in the inject phase.
 */
export function scheduleLaterFaults(run: ScenarioRun, firstLater: number): void {
  const stopping = new AbortController();
  const signal = AbortSignal.any([run.signal, stopping.signal]);
  const faults = run.resolved.faults;
  const begun = run.injectedAt!;
  const done = (async () => {
    for (let index = firstLater; index < faults.length; index++) {
      const fault = faults[index]!;
      const label = `fault[${index}] (${formatMs(run.scale(fault.afterMs))} after the incident began)`;
      let started = false;
      try {
        await run.clock.sleep(Math.max(0, begun + run.scale(fault.afterMs) - run.clock.now()), signal);
        started = true;
        const at = run.note('fault-injecting', `${label}: ${fault.description}`);
        run.faultStartedAt[index] = at;
        const experiments = new Set<string>();
        await injectFault(run, fault, signal, experiments);
        const by = experiments.size ? ` by FIS experiment ${[...experiments].join(', ')}` : '';
        run.faultInPlaceAt[index] = run.note(
          'fault-injected',
          `${label}: ${fault.description}${by} (in place after ${formatMs(run.clock.now() - at)})`,
        );
      } catch (error) {
        if (!(error instanceof AbortedError) && !signal.aborted) {
          run.fail(error as Error);
          return;
        }
        if (started) run.note('fault-note', `${label}: its injection was stopped, the scenario was ending`);
        for (const rest of faults.slice(started ? index + 1 : index))
          run.note('fault-not-injected', `${rest.description}: the scenario ended before its time came`);
        return;
      }
    }
    run.watch.faultsPending(false);
  })();
  run.laterFaults = { stop: () => stopping.abort(), done };
}
