import { formatMs } from '../../core/format.ts';
import type { PhaseOutcome } from '../responses/response.ts';
import { type ScenarioRun, STEP_DEADLINES } from '../scenario-run.ts';

/**
 * Every fault, in order, each registering its undo (on disk too) before it does any damage. The
 * fault counts from when it is fully in place: real work (a rolling deploy) is not scaled.
 */
export async function inject(run: ScenarioRun): PhaseOutcome {
  const { faults, scenario } = run.resolved;
  const { stack, ledger, services } = run.context;
  run.watch.faultBegins();
  const description = faults.map((fault) => fault.description).join(' + ');
  /** FIS experiments that carry the faults out (--faults fis): named when the fault is in place. */
  const experiments = new Set<string>();
  const started = run.note('fault-injecting', description);
  run.injectionStartedAt = started;
  run.enter('injecting');
  for (const fault of faults) {
    const injecting = services.faults.inject(
      fault,
      {
        stack,
        signal: run.signal,
        note: (message) => run.note('fault-note', message),
        evidence: (values, what) => run.evidence.push({ values, description: what }),
        markOnset: (at) => {
          run.damageOnset = at.getTime();
          run.note('fault-note', `the damage began at ${at.toISOString()}`);
        },
        experiment: ({ experimentId, status, detail }) => {
          experiments.add(experimentId);
          run.note('fault-experiment', detail, { experimentId, status });
        },
      },
      async (undo, recorded, verify) => {
        const id = await ledger.register({
          scenario: scenario.id,
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
    await run.step(`injecting ${fault.description}`, STEP_DEADLINES.inject, () => injecting);
  }
  const by = experiments.size ? ` by FIS experiment ${[...experiments].join(', ')}` : '';
  run.injectedAt = run.note(
    'fault-injected',
    `${description}${by} (in place after ${formatMs(run.clock.now() - started)})`,
  );
  return undefined;
}
