import { z } from 'zod';
import { ChatClient } from '../load/chat-client.ts';
import { WorkerRpc } from '../load/worker-rpc.ts';
import { defineFaultKind } from './fault.ts';

/**
 * A connection storm (runbook 2): many real Socket.IO clients from a few source addresses, each
 * reconnecting whenever it is dropped, until reverted.
 */
export const socketStorm = defineFaultKind({
  kind: 'socket-storm',
  params: z
    .object({
      clients: z.number().int().min(1).max(5_000),
      sourceAddresses: z
        .array(z.string().regex(/^127\.\d+\.\d+\.\d+$/, 'expected a loopback address'))
        .min(1),
      /** Distinct accounts the clients log in as (a bot reuses one; a real crowd is many people). */
      accounts: z.number().int().min(1).max(200).default(1),
      /** Refused clients try again after this long, as real apps do (default: they give up). */
      retryRefusedMs: z.number().int().min(50).optional(),
    })
    .strict(),
  requires: ['client-addresses'],
  describe: ({ clients, sourceAddresses, accounts }) =>
    `${clients} Socket.IO clients from ${
      sourceAddresses.length > 4
        ? `${sourceAddresses.length} addresses (${sourceAddresses[0]} … ${sourceAddresses.at(-1)})`
        : sourceAddresses.join(', ')
    }${accounts > 1 ? `, ${accounts} accounts` : ''}`,
  async inject({ clients, sourceAddresses, accounts, retryRefusedMs }, { stack, note }, registerUndo) {
    // The clients live in a worker thread: a thousand sockets must not stall the measuring one.
    const storm = WorkerRpc.start(new URL('../load/storm-worker.ts', import.meta.url));
    let stillOpen = 0;
    let closed = false;
    await registerUndo(
      async () => {
        if (!closed) stillOpen = await storm.call<number>('close').catch(() => 0);
        closed = true;
        await storm.terminate();
        note(`closed ${clients} storm clients`);
      },
      undefined,
      async () =>
        stillOpen > 0 ? `${stillOpen} storm clients were still connected or reconnecting` : undefined,
    );
    // Real accounts: a bot with stolen credentials uses one; a crowd is many people (user40, user41, …),
    // logged in all at once, as the worker boots (one after another they took seconds of the injection).
    const tokens = await Promise.all(
      Array.from({ length: accounts }, async (_, i) => {
        const login = new ChatClient({
          baseUrl: stack.endpoints.frontUrl,
          localAddress: sourceAddresses[i % sourceAddresses.length],
        });
        try {
          const response = await login.login(`user${40 + i}`, stack.secrets.userPassword);
          if (response.status !== 200)
            throw new Error(`storm: user${40 + i} cannot log in (HTTP ${response.status})`);
          return login.token!;
        } finally {
          login.close();
        }
      }),
    );
    await storm.call('connect', {
      frontUrl: stack.endpoints.frontUrl,
      clients,
      tokens,
      sourceAddresses,
      ...(retryRefusedMs === undefined ? {} : { retryRefusedMs }),
    });
    note(`${clients} clients connecting`);
  },
});
