import { registry } from './metrics-registry.ts';
import { contextTags } from './vu-context.ts';

/** k6's check: one `checks` sample per condition, tagged with its name. */
export function check<T>(
  value: T,
  sets: Record<string, (value: T) => boolean>,
  tags: Record<string, string> = {},
) {
  let all = true;
  for (const [name, condition] of Object.entries(sets)) {
    let ok = false;
    try {
      ok = Boolean(condition(value));
    } catch {
      // k6 counts a throwing condition as failed.
    }
    registry.add('checks', 'rate', ok ? 1 : 0, { ...contextTags(), ...tags, check: name });
    all &&= ok;
  }
  return all;
}

export function fail(message = ''): never {
  throw new Error(message);
}

export function group<T>(_name: string, run: () => T): T {
  return run();
}

export function sleep(): never {
  // k6's sleep blocks the VU; here every VU shares one thread, so the scripts must pause with timers.
  throw new Error('k6 shim: blocking sleep() is not available; await a setTimeout instead');
}

export function randomSeed(): void {}
