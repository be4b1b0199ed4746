import os from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localLauncher } from '../../src/stack/launcher.ts';
import { lowerToStackPriority, preferTheDesk, stackNiceness } from '../../src/stack/stack-priority.ts';

const idle = () =>
  localLauncher.launch('idle', process.execPath, ['-e', 'setTimeout(() => {}, 30_000)'], {
    env: {},
    stdio: 'ignore',
  });

beforeAll(() => {
  process.env.GAMEDAY_STACK_NICENESS = '10';
});
afterAll(() => {
  delete process.env.GAMEDAY_STACK_NICENESS;
});

describe('the stack’s priority', () => {
  it('with GAMEDAY_STACK_NICENESS=10, a process the stack launches runs 10 below the harness', () => {
    const child = idle();
    try {
      expect(os.getPriority(child.pid!)).toBe(Math.min(19, os.getPriority() + 10));
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('unset or 0 leaves it at the harness’s priority; a bad value names the setting and the fix', () => {
    expect(stackNiceness({ GAMEDAY_STACK_NICENESS: '0' })).toBe(0);
    expect(stackNiceness({})).toBe(0);
    expect(() => stackNiceness({ GAMEDAY_STACK_NICENESS: 'low' })).toThrow(
      /GAMEDAY_STACK_NICENESS=low is not a niceness: give a whole number from 0 .* to 19/,
    );
    const child = idle();
    try {
      const before = os.getPriority(child.pid!);
      lowerToStackPriority(child.pid!, 0);
      expect(os.getPriority(child.pid!)).toBe(before);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('game-day mode puts the stack at 10 below the desk, unless a niceness is set', () => {
    const unset: NodeJS.ProcessEnv = {};
    preferTheDesk(unset);
    expect(stackNiceness(unset)).toBe(10);
    const chosen: NodeJS.ProcessEnv = { GAMEDAY_STACK_NICENESS: '0' };
    preferTheDesk(chosen);
    expect(stackNiceness(chosen)).toBe(0);
  });
});
