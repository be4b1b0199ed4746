import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../../src/core/errors.ts';
import { loadScenarios } from '../../src/engine/load-scenarios.ts';
import { DEFAULT_RUNBOOK } from '../../src/engine/run-game-day.ts';
import { type RunbookDocument, readRunbook } from '../../src/runbooks/parse-runbook.ts';
import { EmbeddedStack } from '../../src/stack/embedded/embedded-stack.ts';
import { readExternalConfig } from '../../src/stack/external/external-config.ts';

/**
 * What users write, fuzzed: scenario files (random objects, and valid scenarios with one field made
 * wrong) and external stack configs. Each is accepted, or refused with an InputError (exit 2) whose
 * every problem names the file and the field; never another error. Loading starts nothing.
 */
const SCENARIO_RUNS = 150;
const CONFIG_RUNS = 300;
let dir: string;
let runbooks: RunbookDocument;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'gameday-fuzz-'));
  runbooks = await readRunbook(DEFAULT_RUNBOOK);
});
afterAll(() => fs.rm(dir, { recursive: true, force: true }));

const VALID_SCENARIO = {
  id: 'fuzzed',
  title: 'A valid scenario, then one field made wrong',
  runbook: { number: 3 },
  stack: { seed: 'tiny' },
  fault: { kind: 'drop-index', index: 'idx_messages_user_id_created_at' },
  alert: {
    name: 'P95High',
    unit: 'seconds',
    expr: { fn: 'value', metric: 'database_query_duration_seconds' },
  },
  remedy: [{ action: 'create-index', name: 'i', table: 'messages', columns: 'user_id' }],
};

const json = fc.jsonValue({ maxDepth: 4 });
/** A valid scenario with one field (at any depth of the example) replaced by anything. */
const broken = fc
  .tuple(
    fc.constantFrom(
      'id',
      'title',
      'runbook',
      'runbook.number',
      'stack',
      'stack.seed',
      'fault',
      'fault.kind',
      'fault.index',
      'alert',
      'alert.expr',
      'alert.expr.fn',
      'alert.unit',
      'remedy',
      'remedy.0',
      'remedy.0.action',
      'baseline',
      'detect',
      'claims',
      'surprise',
    ),
    json,
  )
  .map(([field, value]) => {
    const scenario = structuredClone(VALID_SCENARIO) as Record<string, unknown>;
    const keys = field.split('.');
    let at: Record<string, unknown> = scenario;
    for (const key of keys.slice(0, -1)) {
      at[key] ??= {};
      at = at[key] as Record<string, unknown>;
    }
    if (typeof at === 'object' && at !== null) at[keys.at(-1)!] = value;
    return scenario;
  });

async function loadOne(name: string, exported: unknown): Promise<'accepted' | 'refused'> {
  const sub = path.join(dir, name);
  await fs.mkdir(sub);
  const file = path.join(sub, 'scenario.mjs');
  await fs.writeFile(file, `export default ${JSON.stringify(exported)};\n`);
  try {
    await loadScenarios({
      dir: sub,
      runbooks,
      capabilities: EmbeddedStack.capabilities,
      stackKind: 'embedded',
    });
    return 'accepted';
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    for (const problem of error.problems) expect(problem).toMatch(/scenario\.mjs: \S+/);
    return 'refused';
  }
}

describe('user input, fuzzed', () => {
  it(`scenario files (${SCENARIO_RUNS} random, ${SCENARIO_RUNS} with one field broken): accepted, or every problem names the file and field`, async () => {
    let seq = 0;
    const outcomes = { accepted: 0, refused: 0 };
    const property = (exported: fc.Arbitrary<unknown>) =>
      fc.assert(
        fc.asyncProperty(exported, async (value) => {
          outcomes[await loadOne(`s${seq++}`, value)] += 1;
        }),
        { numRuns: SCENARIO_RUNS },
      );
    await property(json);
    await property(broken);
    console.log(
      `scenario fuzz: ${seq} files, ${outcomes.accepted} accepted, ${outcomes.refused} refused with file and field`,
    );
    expect(outcomes.refused).toBeGreaterThan(SCENARIO_RUNS);
  }, 120_000);

  it(`external stack configs (${CONFIG_RUNS}): accepted, or every problem names the file`, async () => {
    const valid = JSON.parse(await fs.readFile('compose/gameday-stack.json', 'utf8')) as Record<
      string,
      unknown
    >;
    let refused = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          json,
          fc
            .tuple(fc.constantFrom(...Object.keys(valid)), json)
            .map(([key, value]) => ({ ...valid, [key]: value })),
          fc.string().map((text) => ({ raw: text })),
        ),
        async (config) => {
          const file = path.join(dir, 'stack.json');
          const text =
            typeof config === 'object' && config && 'raw' in config
              ? String(config.raw)
              : JSON.stringify(config);
          await fs.writeFile(file, text);
          try {
            await readExternalConfig(file);
          } catch (error) {
            if (!(error instanceof InputError)) throw error;
            for (const problem of error.problems) expect(problem).toContain('stack.json: ');
            refused += 1;
          }
        },
      ),
      { numRuns: CONFIG_RUNS },
    );
    console.log(`config fuzz: ${CONFIG_RUNS} configs, ${refused} refused with the file and field`);
  }, 60_000);
});
