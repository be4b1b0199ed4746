import { describe, expect, it } from 'vitest';
import { DEFAULT_RUNBOOK } from '../../src/engine/run-game-day.ts';
import type { ResponderAction } from '../../src/responders/responder-desk.ts';
import { runbookStepUse } from '../../src/responders/runbook-step-use.ts';
import { readRunbook } from '../../src/runbooks/parse-runbook.ts';

const action = (overrides: Partial<ResponderAction>): ResponderAction => ({
  command: 'rollout undo',
  action: 'rollback',
  changes: true,
  atMs: 42_000,
  ok: true,
  ...overrides,
});

describe("which of the runbook's steps the responders used", () => {
  it("marks runbook 1's rollback used by `gameday ctl rollout undo`, and lists the rest as not used", async () => {
    const runbook = (await readRunbook(DEFAULT_RUNBOOK)).runbooks.find((r) => r.number === 1)!;
    const uses = runbookStepUse(runbook.steps, 'Rollback Procedure', [action({})]);
    const rollback = uses.find((use) => use.action === 'rollback')!;
    expect(rollback).toMatchObject({ used: true, usedAtMs: 42_000 });
    expect(rollback.text).toMatch(/kubectl rollout undo/);
    expect(uses.filter((use) => use.action && !use.used).length).toBeGreaterThan(0);
    // SQL run in psql is not seen: each SQL step is listed, without an action.
    const sqlLines = runbook.steps
      .filter((step) => step.kind === 'sql' || step.action === 'sql')
      .map((step) => step.line);
    const unobserved = uses.filter((use) => sqlLines.includes(use.line));
    expect(unobserved.length).toBeGreaterThan(0);
    for (const use of unobserved) {
      expect(use.action).toBeUndefined();
      expect(use.used).toBe(false);
    }
  });

  it('does not count a command that failed', async () => {
    const runbook = (await readRunbook(DEFAULT_RUNBOOK)).runbooks.find((r) => r.number === 1)!;
    const uses = runbookStepUse(runbook.steps, 'Rollback Procedure', [action({ ok: false })]);
    expect(uses.find((use) => use.action === 'rollback')!.used).toBe(false);
  });
});
