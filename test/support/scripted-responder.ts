/**
 * A person responding to a game day, scripted: a separate process that works the incident only through
 * `gameday status`, `gameday ctl` and `gameday mark`, as a responder in another terminal would.
 *
 *   node --import tsx test/support/scripted-responder.ts fix|never|abort
 *
 * fix: acknowledge when the alert fires, read the rollout history, roll back, mark the fix deployed.
 * never: acknowledge, look at the pods, and do nothing more (the time box must end it).
 * abort: the facilitator calls the drill off once the fault is in place.
 * blind: a blind round: the same fix, found from the alert and the rollout history, with a diagnosis
 * stated first; it fails if anything it is shown names the scenario.
 * rounds N: a plan of N rounds: acknowledge each, then start the next (`gameday next`) once it ends.
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

/** What a blind round must never show the desk before it ends. */
const GIVEAWAY = /bad-deploy|null-check|deploy release/i;

/** Polls `gameday status --json` until `ready` holds (a game day that has not started yet answers 3). */
async function waitFor(ready: (status: LiveStatus) => boolean, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const text = await gameday('status', '--json').catch(() => 'null');
    const status = JSON.parse(text) as LiveStatus | null;
    if (plan === 'blind' && GIVEAWAY.test(text))
      throw new Error(`gameday status gave the round away: ${text}`);
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
} else if (plan === 'blind') {
  await waitFor((status) => faultInPlace(status) && status.alert.state === 'firing');
  const said = [await gameday('mark', 'acknowledged')];
  // The alert says sends fail; the history shows what changed just before.
  const history = await gameday('ctl', 'rollout', 'history', 'deployment/chat-backend', '-n', 'production');
  const newest = history.trim().split('\n').at(-1) ?? '';
  said.push(await gameday('mark', 'root-cause', `the latest deploy (${newest.trim()}) broke message sends`));
  await gameday('ctl', 'rollout', 'undo', 'deployment/chat-backend');
  said.push(await gameday('mark', 'fix-deployed'));
  for (const line of said)
    if (GIVEAWAY.test(line)) throw new Error(`gameday mark gave the round away: ${line}`);
} else if (plan === 'rounds') {
  const count = Number(process.argv[3]);
  for (let round = 1; round <= count; round += 1) {
    await waitFor((status) => status.scenario.index === round && faultInPlace(status));
    await gameday('mark', 'acknowledged');
    if (round === count) break;
    // `gameday next` is refused until the round is over and the day waits between rounds.
    const deadline = Date.now() + 120_000;
    for (;;) {
      if (
        await gameday('next').then(
          () => true,
          () => false,
        )
      )
        break;
      if (Date.now() > deadline) throw new Error(`round ${round} never ended`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
} else {
  throw new Error(`unknown plan "${plan}": fix, never, abort, blind or rounds N`);
}
