import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseRunFlags, type RunFlags } from '../../src/cli/run-command.ts';
import { toMs } from '../../src/core/duration.ts';
import { InputError } from '../../src/core/errors.ts';

/** `gameday run`'s flags and the durations users type, fuzzed: accepted, or every problem names its flag. */
const RUNS = 2_000;

const text = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.constantFrom(
    '60',
    '0',
    '-1',
    '1e309',
    'NaN',
    '0x10',
    ' 5 ',
    '5s',
    '2m',
    '1h',
    '500ms',
    '1.5m',
    'embedded',
    'gameday',
    'auto',
  ),
);

/** Mostly a valid value, sometimes anything: both the accepting and the refusing paths get exercised. */
const mostly = (...valid: string[]) =>
  fc.oneof({ arbitrary: fc.constantFrom(...valid), weight: 4 }, { arbitrary: text, weight: 1 });

describe('run flags, fuzzed', () => {
  it(`${RUNS} random flag sets: accepted, or refused with every problem naming its flag`, () => {
    let refused = 0;
    fc.assert(
      fc.property(
        fc.record(
          {
            stack: mostly('embedded', 'containers'),
            stackConfig: fc.option(text, { nil: undefined, freq: 5 }),
            timeScale: fc.option(mostly('60', '1', '120'), { nil: undefined }),
            mode: fc.option(mostly('auto', 'gameday'), { nil: undefined }),
            timeBox: fc.option(mostly('90s', '20m'), { nil: undefined, freq: 2 }),
            scrapeInterval: mostly('250', '100'),
            load: mostly('builtin', 'k6'),
            skipRemedy: fc.option(fc.boolean(), { nil: undefined }),
          },
          { requiredKeys: ['stack', 'scrapeInterval', 'load'] },
        ),
        (flags) => {
          try {
            const parsed = parseRunFlags({ reportDir: 'reports', ...flags } as RunFlags);
            expect(parsed.timeScale).toBeGreaterThan(0);
            expect(Number.isFinite(parsed.timeScale)).toBe(true);
          } catch (error) {
            if (!(error instanceof InputError)) throw error;
            for (const problem of error.problems) expect(problem).toMatch(/^--[a-z-]+: /);
            refused += 1;
          }
        },
      ),
      { numRuns: RUNS },
    );
    console.log(
      `flags fuzz: ${RUNS} flag sets, ${RUNS - refused} accepted, ${refused} refused with their flag`,
    );
    expect(refused).toBeGreaterThan(0);
    expect(refused).toBeLessThan(RUNS);
  });

  it(`durations: ${RUNS} random strings are a non-negative number of ms or undefined, never NaN or a throw`, () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.double().map(String),
          fc.constantFrom('5s', '2m', '1h', '500ms', '1.5 m', '-1s', '1e3s'),
        ),
        (value) => {
          const result = toMs(value);
          if (result !== undefined) {
            expect(Number.isFinite(result)).toBe(true);
            expect(result).toBeGreaterThanOrEqual(0);
          }
        },
      ),
      { numRuns: RUNS },
    );
  });
});
