/**
 * A person responding to a game day, scripted: a separate process that works the incident only through
 * `gameday status`, `gameday ctl` and `gameday mark`, as a responder in another terminal would.
 *
 *   node --import tsx test/support/scripted-responder.ts fix|never|abort
 *
 * fix: acknowledge when the alert fires, read the rollout history, roll back, mark the fix deployed.
 * never: acknowledge, look at the pods, and do nothing more (the time box must end it).
 * abort: the facilitator calls the drill off once the fault is in place.
 * Every command it ran, with its exit code, is printed as JSON lines on stdout.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { LiveStatus } from '../../src/responders/live-status.ts';

const run = promisify(execFile);
const plan = process.argv[2];

async function gameday(...args: string[]): Promise<string> {
  try {
    const { stdout } = await run(process.execPath, ['bin/gameday.js', ...args]);
    process.stdout.write(`${JSON.stringify({ args, code: 0 })}\n`);
    return stdout;
  } catch (error) {
    const failed = error as { code?: number; stderr?: string };
    process.stdout.write(`${JSON.stringify({ args, code: failed.code, stderr: failed.stderr })}\n`);
    throw error;
  }
}

/** Polls `gameday status --json` until `ready` holds (a game day that has not started yet answers 3). */
async function waitFor(ready: (status: LiveStatus) => boolean, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const status = await gameday('status', '--json')
      .then((out) => JSON.parse(out) as LiveStatus | null)
      .catch(() => null);
    if (status && ready(status)) return;
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
  throw new Error('the game day never reached the awaited state');
}

const faultInPlace = (status: LiveStatus) => status.faultActiveMs !== undefined;

if (plan === 'fix') {
  await waitFor((status) => faultInPlace(status) && status.alert.state === 'firing');
  await gameday('mark', 'acknowledged');
  const history = await gameday('ctl', 'rollout', 'history', 'deployment/chat-backend', '-n', 'production');
  if (!history.includes('1.5.0')) throw new Error(`the bad release is not in the history:\n${history}`);
  await gameday('mark', 'root-cause');
  await gameday('ctl', 'rollout', 'undo', 'deployment/chat-backend');
  await gameday('mark', 'fix-deployed');
} else if (plan === 'never') {
  await waitFor(faultInPlace);
  await gameday('mark', 'acknowledged');
  await gameday('ctl', 'get', 'pods');
} else if (plan === 'abort') {
  await waitFor(faultInPlace);
  await gameday('abort', 'drill', 'called', 'off');
} else {
  throw new Error(`unknown plan "${plan}": fix, never or abort`);
}
