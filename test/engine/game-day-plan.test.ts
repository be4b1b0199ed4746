import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { briefing } from '../../src/cli/plan-command.ts';
import { parseRunFlags, type RunFlags } from '../../src/cli/run-command.ts';
import { InputError } from '../../src/core/errors.ts';
import { blindEvent, blindStatus } from '../../src/engine/blind-view.ts';
import { writeFacilitatorSheet } from '../../src/engine/facilitator-sheet.ts';
import { readPlan, unplayableRounds } from '../../src/engine/game-day-plan.ts';
import type { JournalEvent } from '../../src/engine/journal.ts';
import { loadScenarios } from '../../src/engine/load-scenarios.ts';
import type { ResolvedScenario } from '../../src/engine/resolve-scenario.ts';
import { planRounds } from '../../src/engine/rounds.ts';
import { DEFAULT_RUNBOOK, DEFAULT_SCENARIOS_DIR } from '../../src/engine/run-game-day.ts';
import type { LiveStatus } from '../../src/responders/live-status.ts';
import { readRunbook } from '../../src/runbooks/parse-runbook.ts';
import { EmbeddedStack } from '../../src/stack/embedded/embedded-stack.ts';

/** Plan files as a facilitator writes them, the rounds they make, and what a blind round lets through. */
let dir: string;
let scenarios: ResolvedScenario[];

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'gameday-plan-'));
  const runbooks = await readRunbook(DEFAULT_RUNBOOK);
  scenarios = await loadScenarios({
    dir: DEFAULT_SCENARIOS_DIR,
    runbooks,
    capabilities: EmbeddedStack.capabilities,
    stackKind: 'embedded',
  });
});
afterAll(() => fs.rm(dir, { recursive: true, force: true }));

async function planFile(text: string): Promise<string> {
  const file = path.join(dir, `plan-${Math.random().toString(36).slice(2)}.yaml`);
  await fs.writeFile(file, text);
  return file;
}

/** The problems readPlan reports for `text` (it must throw an InputError). */
async function problemsOf(text: string): Promise<string[]> {
  const error = await readPlan(await planFile(text)).catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(InputError);
  return (error as InputError).problems;
}

const THREE_ROUNDS = `title: Q4 game day
pause: 2m
rounds:
  - name: Warm-up
    scenario: bad-deploy
    timeBox: 90s
    roles: { facilitator: Ana, responders: [Bo, Cy], observers: [Di] }
  - name: Wheel of misfortune
    blind: { from: [missing-index, lock-contention, runaway-query], seed: 42 }
  - blind: true
`;

describe('a game-day plan file', () => {
  it('reads rounds, durations, roles and blind picks', async () => {
    const plan = await readPlan(await planFile(THREE_ROUNDS));
    expect(plan.title).toBe('Q4 game day');
    expect(plan.pauseMs).toBe(120_000);
    expect(plan.rounds).toEqual([
      {
        name: 'Warm-up',
        scenario: 'bad-deploy',
        timeBoxMs: 90_000,
        roles: { facilitator: 'Ana', responders: ['Bo', 'Cy'], observers: ['Di'] },
      },
      {
        name: 'Wheel of misfortune',
        blind: { from: ['missing-index', 'lock-contention', 'runaway-query'], seed: 42 },
      },
      { blind: { from: [] } },
    ]);
  });

  it('names the file, the field and the fix for each mistake', async () => {
    const problems = await problemsOf(`rounds:
  - scenario: bad-deploy
    timeBox: soon
  - name: both
    scenario: bad-deploy
    blind: true
  - blind: { from: [missing-index], seed: -1 }
  - scenario: bad-deploy
    colour: red
`);
    const file = expect.stringMatching(/^.*plan-\w+\.yaml: /);
    expect(problems).toEqual([
      expect.stringMatching(/: rounds\.0\.timeBox: expected a duration such as 90s or 20m$/),
      expect.stringMatching(/: rounds\.1: give a round either `scenario: ID` or `blind:/),
      expect.stringMatching(/: rounds\.2\.blind\.seed: /),
      expect.stringMatching(/: rounds\.3: .*colour/),
    ]);
    for (const problem of problems) expect(problem).toEqual(file);
    expect(await problemsOf('rounds: []\n')).toEqual([
      expect.stringMatching(/: rounds: a plan needs at least one round$/),
    ]);
    expect(await problemsOf('rounds: [\n')).toEqual([expect.stringMatching(/: not valid YAML \(/)]);
    const missing = await readPlan(path.join(dir, 'nope.yaml')).catch((error: InputError) => error.problems);
    expect(missing).toEqual([expect.stringMatching(/nope\.yaml: cannot read the plan file/)]);
  });

  it('names each round whose scenario this run cannot play', () => {
    const problems = unplayableRounds(
      [
        { scenario: 'bad-deploy' },
        { blind: { from: ['missing-index', 'missing-indx'] } },
        { scenario: 'nope' },
      ],
      new Set(scenarios.map((resolved) => resolved.scenario.id)),
      'day.yaml',
    );
    expect(problems).toEqual([
      'day.yaml: rounds.1.blind.from: "missing-indx" is not a scenario this run can play; `gameday list` shows them',
      'day.yaml: rounds.2.scenario: "nope" is not a scenario this run can play; `gameday list` shows them',
    ]);
  });
});

describe('rounds', () => {
  const from = ['missing-index', 'lock-contention', 'runaway-query'];

  it('picks a blind round from its seed, the same pick for the same seed in any order', () => {
    const picks = new Set<string>();
    for (let seed = 0; seed < 40; seed += 1) {
      const [round] = planRounds([{ blind: { from, seed } }], scenarios);
      const [again] = planRounds([{ blind: { from: [...from].reverse(), seed } }], scenarios);
      expect(round!.resolved.scenario.id).toBe(again!.resolved.scenario.id);
      expect(from).toContain(round!.resolved.scenario.id);
      expect(round!.blind).toEqual({ seed, candidates: [...from].sort() });
      picks.add(round!.resolved.scenario.id);
    }
    // Forty seeds reach every candidate: the pick is not stuck on one.
    expect(picks.size).toBe(3);
  });

  it("writes the facilitator's sheet with every answer, readable by its owner only", async () => {
    const rounds = planRounds(
      [{ name: 'Warm-up', scenario: 'bad-deploy' }, { blind: { from, seed: 7 } }],
      scenarios,
    );
    const file = path.join(dir, 'sheet', 'facilitator.md');
    await writeFacilitatorSheet(file, 'Q4', rounds, (seed) => `--seed ${seed}`);
    const sheet = await fs.readFile(file, 'utf8');
    expect((await fs.stat(file)).mode & 0o777).toBe(0o600);
    const picked = rounds[1]!.resolved.scenario;
    expect(sheet).toContain('## Round 2: round 2 (blind)');
    expect(sheet).toContain(`- Seed: 7 (replay the same pick: --seed 7)`);
    expect(sheet).toContain(`- Scenario: ${picked.id}: ${picked.title}`);
    expect(sheet).toContain(`- Fault: ${rounds[1]!.resolved.faults[0]!.description}`);
  });

  it('briefs the day without giving a blind round away', async () => {
    const plan = await readPlan(await planFile(THREE_ROUNDS));
    const text = briefing(plan);
    expect(text).toContain('## Round 1: Warm-up\n\n- scenario bad-deploy\n- time box: 90.0 s');
    expect(text).toContain('- facilitator: Ana\n- responders: Bo, Cy\n- observers: Di');
    expect(text).toContain('## Round 2: Wheel of misfortune\n\n- a blind pick from 3 scenario(s)');
    for (const id of from) expect(text).not.toContain(id);
  });
});

describe('what a blind round shows', () => {
  const event = (kind: JournalEvent['kind'], detail: string) =>
    ({ kind, at: 0, atMs: 0, detail }) as unknown as JournalEvent;

  it('shows the alerts and the desk, announces the incident without naming it, hides the fault', () => {
    expect(blindEvent(event('alert-firing', 'ChatSendErrorRateHigh inactive → firing'), true)?.detail).toBe(
      'ChatSendErrorRateHigh inactive → firing',
    );
    expect(blindEvent(event('fault-injecting', 'deploy release 1.5.0'), true)?.detail).toBe(
      'the incident begins',
    );
    expect(blindEvent(event('fault-injected', 'deploy release 1.5.0 (in place)'), true)?.detail).toBe(
      'the incident is under way',
    );
    // A compound incident's later faults are not announced; notes and reverts never are.
    expect(blindEvent(event('fault-injecting', 'cut the network'), false)).toBeUndefined();
    for (const kind of ['fault-note', 'fault-reverted', 'remedy-step', 'scenario-start', 'decision'] as const)
      expect(blindEvent(event(kind, 'names the fault'), true), kind).toBeUndefined();
  });

  it('calls the scenario by its round in the live view and `gameday status`', () => {
    const status = {
      scenario: {
        id: 'bad-deploy',
        title: 'A release with a null-check bug',
        severity: 'P1',
        index: 2,
        count: 3,
      },
    } as LiveStatus;
    const shown = blindStatus(status, 'round 2 (blind)');
    expect(shown.scenario).toEqual({
      id: 'round 2 (blind)',
      title: 'blind: work it from the alerts, the metrics, the pods and the logs',
      severity: 'P1',
      index: 2,
      count: 3,
    });
    expect(JSON.stringify(shown)).not.toContain('bad-deploy');
  });
});

describe('the blind flags', () => {
  const base = { stack: 'embedded', reportDir: 'reports', scrapeInterval: '250', load: 'builtin' };
  const problems = (flags: Partial<RunFlags>) => {
    try {
      parseRunFlags({ ...base, ...flags });
      return [];
    } catch (error) {
      return (error as InputError).problems;
    }
  };

  it('accepts a blind game day with a seed, and refuses each misuse naming its flag', () => {
    expect(problems({ mode: 'gameday', blind: true, seed: '42', facilitatorFile: 'sheet.md' })).toEqual([]);
    expect(problems({ blind: true })).toEqual([expect.stringMatching(/^--blind: only with --mode gameday/)]);
    expect(problems({ mode: 'gameday', blind: true, seed: '4.2' })).toEqual([
      expect.stringMatching(/^--seed: expected a whole number from 0 to 2147483647 .*got "4\.2"$/),
    ]);
    expect(problems({ mode: 'gameday', seed: '7' })).toEqual([
      '--seed: only with --blind (it replays a blind pick)',
    ]);
    expect(problems({ mode: 'gameday', facilitatorFile: 'sheet.md' })).toEqual([
      expect.stringMatching(/^--facilitator-file: only with --blind or `gameday plan`/),
    ]);
  });
});
