import { z } from 'zod';
import { httpRequest } from '../core/http-client.ts';
import { sleep } from '../core/wait.ts';
import { defineFaultKind } from './fault.ts';

/** Stops by itself after this long even if nobody reverts it: every fault is bounded in time. */
const MAX_ATTACK_MS = 10 * 60_000;
const MAX_IN_FLIGHT = 32;

/**
 * A brute-force login attack (runbook 5): wrong passwords for real usernames, from a few source
 * addresses, at a steady rate, until reverted.
 */
export const authAttack = defineFaultKind({
  kind: 'auth-attack',
  params: z
    .object({
      sourceAddresses: z
        .array(z.string().regex(/^127\.\d+\.\d+\.\d+$/, 'expected a loopback address like 127.0.0.66'))
        .min(1),
      attemptsPerSecond: z.number().min(0.1).max(200),
    })
    .strict(),
  requires: ['client-addresses'],
  describe: ({ sourceAddresses, attemptsPerSecond }) =>
    `brute-force logins from ${sourceAddresses.join(', ')} at ${attemptsPerSecond}/s`,
  async inject({ sourceAddresses, attemptsPerSecond }, { stack, note }, registerUndo) {
    let running = true;
    let attempts = 0;
    let loop: Promise<void> = Promise.resolve();
    let stopped = false;
    // The undo first: the attack starts only once it is registered.
    await registerUndo(
      async () => {
        running = false;
        await loop;
        stopped = true;
        note(`attack stopped after ${attempts} attempts`);
      },
      undefined,
      async () => (stopped ? undefined : 'the attack loop is still running'),
    );
    const started = Date.now();
    // Attempts go out at the set rate whatever the answers' latency (an attacker does not wait for
    // one guess before the next), with a cap on those in flight.
    const inFlight = new Set<Promise<unknown>>();
    loop = (async () => {
      while (running && Date.now() - started < MAX_ATTACK_MS) {
        const localAddress = sourceAddresses[attempts % sourceAddresses.length];
        attempts += 1;
        if (inFlight.size < MAX_IN_FLIGHT) {
          const attempt = httpRequest(`${stack.endpoints.frontUrl}/api/v1/auth/login`, {
            body: { username: `user${(attempts % 40) + 1}`, password: `guess-${attempts}` },
            localAddress,
            timeoutMs: 5_000,
          })
            .catch(() => undefined)
            .finally(() => inFlight.delete(attempt));
          inFlight.add(attempt);
        }
        await sleep(1_000 / attemptsPerSecond);
      }
      await Promise.all(inFlight);
    })();
  },
});
