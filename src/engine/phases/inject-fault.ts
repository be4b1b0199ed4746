import type { ResolvedFault } from '../resolve-scenario.ts';
import { type ScenarioRun, STEP_DEADLINES } from '../scenario-run.ts';

/**
 * One fault through the run's fault back-end, bounded by its deadline; `signal` abandons it. The FIS
 * experiments that carry it out (--faults fis) are added to `experiments`, to be named when it is in place.
 */
export async function injectFault(
  run: ScenarioRun,
  fault: ResolvedFault,
  signal: AbortSignal,
  experiments: Set<string>,
): Promise<void> {
  const { stack, ledger, services } = run.context;
  const injecting = services.faults.inject(
    fault,
    {
      stack,
      signal,
      note: (message) => run.note('fault-note', message),
      evidence: (values, what) => run.evidence.push({ values, description: what }),
      markOnset: (at) => {
        run.damageOnset ??= at.getTime();
        run.note('fault-note', `the damage began at ${at.toISOString()}`);
      },
      experiment: ({ experimentId, status, detail }) => {
        experiments.add(experimentId);
        run.note('fault-experiment', detail, { experimentId, status });
      },
    },
    async (undo, recorded, verify) => {
      const id = await ledger.register({
        scenario: run.resolved.scenario.id,
        kind: fault.kind,
        description: fault.description,
        params: fault.params,
        recorded,
      });
      const registered = { id, description: fault.description, undo, verify };
      run.undos.push(registered);
      return {
        async update(changes) {
          // The revert's timeline entries read the description as it is then (with an experiment's id).
          if (changes.description) registered.description = changes.description;
          await ledger.update(id, changes);
        },
      };
    },
  );
  // The revert waits for it (bounded), so no damage lands after its undo.
  run.injecting = injecting;
  await run.step(`injecting ${fault.description}`, STEP_DEADLINES.inject, () => injecting, { signal });
}
