import { describe, expect, it } from 'vitest';
import {
  applicable,
  type CrashCell,
  PHASES,
  type Phase,
  runCell,
  type Stop,
  seeded,
} from '../support/crash-cell.ts';

/**
 * A few random cells of the crash matrix (`npm run bench -- crash-matrix` runs them all): a scenario
 * stopped at a random moment of a random phase, by SIGKILL (then `gameday cleanup`), Ctrl-C or the
 * facilitator's abort; nothing may be left. The seed is printed: CRASH_SEED=… replays a failure.
 */
const SEED = Number(process.env.CRASH_SEED ?? Date.now() % 1_000_000);
const random = seeded(SEED);
const SCENARIOS = [
  'bad-deploy',
  'missing-index',
  'lock-contention',
  'dependency-down',
  'connection-storm-attack',
  'runaway-query',
];
const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)]!;

function cell(): CrashCell {
  for (;;) {
    const candidate = {
      scenario: pick(SCENARIOS),
      phase: pick(Object.keys(PHASES) as Phase[]),
      stop: pick<Stop>(['SIGKILL', 'SIGINT', 'abort']),
      stack: 'embedded' as const,
      moment: random(),
    };
    if (applicable(candidate)) return candidate;
  }
}

const CELLS = [cell(), cell()];
console.log(
  `crash matrix sample, seed ${SEED} (replay with CRASH_SEED=${SEED}): ${CELLS.map((c) => `${c.scenario}/${c.phase}/${c.stop}`).join(', ')}`,
);

describe(`the crash matrix, sampled (seed ${SEED})`, () => {
  it.each(CELLS.map((c) => [`${c.scenario} / ${c.phase} / ${c.stop}`, c] as const))(
    '%s: nothing left behind',
    async (_name, crash) => {
      const outcome = await runCell(crash);
      expect(outcome.left).toEqual([]);
    },
    240_000,
  );
});
