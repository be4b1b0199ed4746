import { randomInt } from 'node:crypto';

/** Seeds are whole numbers a facilitator can copy: 0 to 2^31 − 1. */
export const MAX_SEED = 2 ** 31 - 1;

/** A fresh seed, from the system's random source. */
export function newSeed(): number {
  return randomInt(0, MAX_SEED);
}

/** mulberry32: a small, well-mixed 32-bit generator; the same seed gives the same sequence everywhere. */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/**
 * One of `candidates`, chosen by `seed`: the same seed and the same candidates (in any order: they are
 * sorted first) always give the same pick, so a facilitator can replay a blind round from its seed.
 */
export function seededPick<T>(candidates: readonly T[], seed: number, key: (candidate: T) => string): T {
  if (candidates.length === 0) throw new RangeError('nothing to pick from');
  const sorted = [...candidates].sort((a, b) => key(a).localeCompare(key(b)));
  return sorted[Math.floor(mulberry32(seed)() * sorted.length)]!;
}
