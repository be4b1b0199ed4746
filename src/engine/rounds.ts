import { newSeed, seededPick } from '../core/seeded-pick.ts';
import type { ResolvedScenario } from './resolve-scenario.ts';
import type { Roles } from './result.ts';

/** A round as asked for: a named scenario, or a blind pick. */
export interface RoundSpec {
  name?: string;
  scenario?: string;
  /** A blind pick from these scenario ids (empty: any), reproducible from `seed` (default: a fresh one). */
  blind?: { from: string[]; seed?: number };
  /** Wall ms after the fault is in place when the harness reverts it itself (default: the run's). */
  timeBoxMs?: number;
  roles?: Roles;
}

/** A round ready to run: its scenario chosen (for a blind one, by its seed). */
export interface PlannedRound {
  /** 1-based. */
  number: number;
  name: string;
  resolved: ResolvedScenario;
  timeBoxMs?: number;
  roles?: Roles;
  blind?: { seed: number; candidates: string[] };
}

/**
 * Each round's scenario: the named one, or the blind pick among its candidates (sorted by id, picked by
 * the seed). The scenarios given must include every id a round names or picks from.
 */
export function planRounds(
  specs: readonly RoundSpec[],
  scenarios: readonly ResolvedScenario[],
): PlannedRound[] {
  const byId = new Map(scenarios.map((resolved) => [resolved.scenario.id, resolved]));
  return specs.map((spec, index) => {
    const number = index + 1;
    const base = {
      number,
      ...(spec.timeBoxMs === undefined ? {} : { timeBoxMs: spec.timeBoxMs }),
      ...(spec.roles ? { roles: spec.roles } : {}),
    };
    if (spec.blind) {
      const candidates = (spec.blind.from.length > 0 ? spec.blind.from : [...byId.keys()]).map(
        (id) => byId.get(id)!,
      );
      const seed = spec.blind.seed ?? newSeed();
      const resolved = seededPick(candidates, seed, (candidate) => candidate.scenario.id);
      return {
        ...base,
        name: spec.name ?? `round ${number}`,
        resolved,
        blind: { seed, candidates: candidates.map((c) => c.scenario.id).sort() },
      };
    }
    const resolved = byId.get(spec.scenario!)!;
    return { ...base, name: spec.name ?? `round ${number}`, resolved };
  });
}
