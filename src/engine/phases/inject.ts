import { formatMs } from '../../core/format.ts';
import type { PhaseOutcome } from '../responses/response.ts';
import type { ScenarioRun } from '../scenario-run.ts';
import { injectFault } from './inject-fault.ts';
import { scheduleLaterFaults } from './later-faults.ts';

/**
 * The incident's first faults, in order, each registering its undo (on disk too) before it does any
 * damage. The incident counts from when they are fully in place: real work (a rolling deploy) is not
 * scaled. A compound incident's later faults (`after` an offset) are scheduled from then, to come
 * while the response is under way.
 */
export async function inject(run: ScenarioRun): PhaseOutcome {
  const { faults } = run.resolved;
  const first = faults.filter((fault) => fault.afterMs === 0);
  run.watch.faultBegins();
  const description = first.map((fault) => fault.description).join(' + ');
  /** FIS experiments that carry the faults out (--faults fis): named when the fault is in place. */
  const experiments = new Set<string>();
  const started = run.note('fault-injecting', description);
  run.injectionStartedAt = started;
  run.enter('injecting');
  if (first.length < faults.length) run.watch.faultsPending(true);
  for (const fault of first) await injectFault(run, fault, run.signal, experiments);
  const by = experiments.size ? ` by FIS experiment ${[...experiments].join(', ')}` : '';
  run.injectedAt = run.note(
    'fault-injected',
    `${description}${by} (in place after ${formatMs(run.clock.now() - started)})`,
  );
  first.forEach((_, index) => {
    run.faultStartedAt[index] = started;
    run.faultInPlaceAt[index] = run.injectedAt;
  });
  if (first.length < faults.length) scheduleLaterFaults(run, first.length);
  return undefined;
}
