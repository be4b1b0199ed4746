import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { seededPick } from '../../src/core/seeded-pick.ts';
import { runGameDayCli } from '../support/game-day-run.ts';
import { scriptedResponder as responder } from '../support/responder-process.ts';

/**
 * Blind rounds and a plan of rounds, played end to end through the CLI by a scripted responder that
 * sees only what `gameday status`, `gameday ctl` and `gameday mark` show it
 * (test/support/scripted-responder.ts).
 */

/** Both are fixed by a rollback, so the responder's moves do not depend on the pick; the seed picks bad-deploy. */
const CANDIDATES = ['bad-deploy', 'memory-leak'];
const SEED = Array.from({ length: 100 }, (_, seed) => seed).find(
  (seed) => seededPick(CANDIDATES, seed, (id) => id) === 'bad-deploy',
)!;
/** What the terminal must not show before the round ends: the id, the title, the fault. */
const GIVEAWAY = /bad-deploy|null-check|deploy release/i;

describe('a blind round', () => {
  it('never names the fault to the desk, and the post-mortem scores the diagnosis', async () => {
    const run = await runGameDayCli(
      ['--mode', 'gameday', '--blind', '--seed', String(SEED), '--time-scale', '20', ...CANDIDATES],
      responder('blind'),
    );
    try {
      expect(run.result.code, run.result.stderr.slice(-3000)).toBe(0);
      // The harness's own terminal, up to the line that ends the round.
      const end = run.result.stderr.indexOf('round 1 (blind) was bad-deploy: passed');
      expect(end, run.result.stderr.slice(-3000)).toBeGreaterThan(0);
      const during = run.result.stderr.slice(0, end);
      expect(during).not.toMatch(GIVEAWAY);
      expect(during).toContain('round 1 (blind): blind round; work it out from the alerts');
      expect(during).toMatch(/round 1 \(blind\) fault-injecting: the incident begins/);
      expect(during).toMatch(/round 1 \(blind\) alert-firing: ChatSendErrorRateHigh/);
      const [scenario] = run.report.scenarios;
      expect(scenario!.id).toBe('bad-deploy');
      expect(scenario!.status, scenario!.reasons.join('; ')).toBe('passed');
      expect(scenario!.round).toEqual({
        number: 1,
        name: 'blind round',
        blind: true,
        seed: SEED,
        pickedFrom: CANDIDATES,
      });
      const { score, diagnoses } = scenario!.responders!;
      expect(diagnoses?.map((d) => d.verdict)).toEqual(['right']);
      expect(score!.blind).toBe(true);
      expect(score!.diagnosis).toBe('right');
      // Found after the page and before the fix was in: the times are in that order.
      expect(score!.timeToRightDiagnosisMs).toBeGreaterThanOrEqual(score!.timeToAcknowledgeMs!);
      expect(score!.timeToResolveMs).toBeGreaterThan(score!.timeToRightDiagnosisMs!);
      expect(score!.wrongTurns).toEqual([]);
      const postmortem = await run.file('postmortem.md');
      expect(postmortem).toContain(
        `Drill scorecard (round 1: blind round, a blind pick, seed ${SEED}), each time from the fault in place:`,
      );
      expect(postmortem).toMatch(/- Right diagnosis: \+[\d.]+ s \(best given: right\)/);
      expect(postmortem).toMatch(/- \+[\d.]+ s "the latest deploy .*broke message sends": right/);
      // The facilitator's sheet, beside the reports, holds the answer the desk never saw.
      const sheet = await fs.readFile(path.join(run.reportDir, 'facilitator-sheet.md'), 'utf8');
      expect(sheet).toContain(
        `- Seed: ${SEED} (replay the same pick: gameday run --mode gameday --blind --seed ${SEED} bad-deploy memory-leak)`,
      );
      expect(sheet).toMatch(/- Scenario: bad-deploy: /);
      expect(scenario!.faultsReverted).toBe(true);
    } finally {
      await run.cleanup();
    }
  });
});

describe('a game-day plan', () => {
  it('briefs, then plays three rounds with a pause between them, into one report', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'gameday-plan-'));
    const plan = path.join(dir, 'day.yaml');
    await fs.writeFile(
      plan,
      `title: CI game day
rounds:
  - name: Warm-up
    scenario: bad-deploy
    timeBox: 10s
    roles: { facilitator: Ana, responders: [Bo] }
  - name: Wheel of misfortune
    blind: { from: [${CANDIDATES.join(', ')}], seed: ${SEED} }
    timeBox: 10s
  - name: Breaker
    scenario: breaker-stuck
    timeBox: 10s
`,
    );
    const run = await runGameDayCli([plan, '--time-scale', '60'], responder('rounds', '3'), {}, 'plan');
    try {
      // Nobody fixes anything: every round ends at its time box, and the day fails.
      expect(run.result.code, run.result.stderr.slice(-3000)).toBe(1);
      expect(run.result.stdout).toMatch(/^# CI game day\n\n3 round\(s\)/);
      expect(run.result.stdout).toContain(
        '## Round 2: Wheel of misfortune\n\n- a blind pick from 2 scenario(s)',
      );
      const rounds = run.report.scenarios;
      expect(rounds.map((s) => [s.round?.number, s.round?.name, s.round?.blind, s.id])).toEqual([
        [1, 'Warm-up', false, 'bad-deploy'],
        [2, 'Wheel of misfortune', true, 'bad-deploy'],
        [3, 'Breaker', false, 'breaker-stuck'],
      ]);
      for (const round of rounds) {
        expect(round.status).toBe('failed');
        expect(round.reasons[0]).toMatch(/^time box: not resolved within 10\.0 s/);
        expect(round.responders!.checkpoints.map((c) => c.id)).toEqual(['acknowledged']);
        expect(round.faultsReverted).toBe(true);
      }
      // Each next round waited for `gameday next` after the last one ended.
      const stderr = run.result.stderr;
      expect(stderr).toContain(
        'round 2 next: Wheel of misfortune (blind); `gameday next` (or Enter here) starts it',
      );
      expect(stderr.indexOf('round 3 next: Breaker')).toBeGreaterThan(
        stderr.indexOf('round 2 (blind) was bad-deploy'),
      );
      // One report for the day: a section and a drill scorecard per round, the same scenario twice apart.
      const html = await run.file('report.html');
      for (const id of ['round-1-bad-deploy', 'round-2-bad-deploy', 'round-3-breaker-stuck'])
        expect(html).toContain(`id="scenario-${id}"`);
      expect(html.match(/Drill scorecard \(from the fault in place\)/g)).toHaveLength(3);
      expect(html).toContain('1: Warm-up; facilitator Ana; responders Bo');
    } finally {
      await run.cleanup();
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});
