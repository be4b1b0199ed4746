import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backendEnvFor } from '../../src/engine/run-game-day.ts';
import { ResponderDesk } from '../../src/responders/responder-desk.ts';
import { EmbeddedStack } from '../../src/stack/embedded/embedded-stack.ts';

/** The desk on a real stack: what responders do is recorded where it belongs, and never races the revert. */
let stack: EmbeddedStack;
let stateDir: string;

beforeAll(async () => {
  stateDir = await fs.mkdtemp(path.join(os.tmpdir(), 'gameday-state-desk-'));
  process.env.GAMEDAY_STATE_DIR = stateDir;
  stack = await EmbeddedStack.up({ seed: 'tiny', replicas: 1, backendEnv: backendEnvFor(60) });
}, 120_000);
afterAll(async () => {
  await stack?.down();
  await fs.rm(stateDir, { recursive: true, force: true });
});

function openDesk() {
  const desk = new ResponderDesk(() => undefined);
  const events: { kind: string; detail: string }[] = [];
  const startedAt = Date.now();
  desk.open({
    id: 'desk-test',
    title: 'desk test',
    stack,
    startedAt,
    now: () => Date.now(),
    note: (kind: string, detail: string) => {
      events.push({ kind, detail });
      return Date.now();
    },
  });
  return { desk, events, startedAt };
}

describe('the responder desk', () => {
  it('does not count a fix made before the fault was in place', async () => {
    const { desk, startedAt } = openDesk();
    desk.mark('fix-deployed', 'mark');
    await new Promise((resolve) => setTimeout(resolve, 20));
    const injectedAtMs = Date.now() - startedAt;
    expect(desk.fixAttemptedSince(injectedAtMs)).toBe(false);
    expect(desk.fixAttemptedSince(0)).toBe(true);
    await desk.close();
  });

  it('closes only once a command still running is done, and records it on its own scenario', async () => {
    const { desk, events } = openDesk();
    const revisions = stack.backend.history().length;
    const restarting = desk.ctl(['rollout', 'restart', 'deployment/chat-backend']);
    let restarted = false;
    void restarting.then(() => {
      restarted = true;
    });
    const { actions } = await desk.close();
    expect(restarted).toBe(true);
    // By the time the desk is closed (and the revert may start), the rollout is over.
    expect(stack.backend.history()).toHaveLength(revisions + 1);
    expect(stack.backend.replicas().every((r) => r.ready && r.revision === revisions + 1)).toBe(true);
    expect(actions).toEqual([expect.objectContaining({ action: 'restart', changes: true, ok: true })]);
    expect(events.map((e) => e.kind)).toEqual(['responder-action']);
    await expect(restarting).resolves.toMatchObject({ action: 'restart' });
    // Closed: a new command is refused with a message that says what to do.
    await expect(desk.ctl(['get', 'pods'])).rejects.toThrow(/no scenario is running right now/);
  });

  it('masks a password in a command before it is recorded', async () => {
    const { desk, events } = openDesk();
    await desk.ctl(['set', 'env', 'AUDIT_URL=postgres://auditor:s3cret-pass@127.0.0.1:1/audit']);
    await desk.ctl(['set', 'env', 'AUDIT_URL-']);
    const { actions } = await desk.close();
    expect(actions[0]!.command).toBe('set env AUDIT_URL=postgres://auditor:***@127.0.0.1:1/audit');
    expect(JSON.stringify(events)).not.toContain('s3cret-pass');
  });
});
