import { io, type Socket } from 'socket.io-client';
import { z } from 'zod';
import { ChatClient } from '../load/chat-client.ts';
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
    const sockets: Socket[] = [];
    let reverted = false;
    await registerUndo(
      async () => {
        reverted = true;
        for (const socket of sockets) socket.close();
        note(`closed ${sockets.length} storm clients`);
      },
      undefined,
      async () => {
        const open = sockets.filter((socket) => socket.connected || socket.active).length;
        return open > 0 ? `${open} storm clients are still connected or reconnecting` : undefined;
      },
    );
    // Real accounts: a bot with stolen credentials uses one; a crowd is many people (user40, user41, …).
    const tokens: string[] = [];
    for (let i = 0; i < accounts; i++) {
      const login = new ChatClient({
        baseUrl: stack.endpoints.frontUrl,
        localAddress: sourceAddresses[i % sourceAddresses.length],
      });
      const response = await login.login(`user${40 + i}`, stack.secrets.userPassword);
      login.close();
      if (response.status !== 200)
        throw new Error(`storm: user${40 + i} cannot log in (HTTP ${response.status})`);
      tokens.push(login.token!);
    }
    for (let i = 0; i < clients; i++) {
      const socket = io(stack.endpoints.frontUrl, {
        transports: ['websocket'],
        auth: { token: tokens[i % tokens.length] },
        reconnection: true,
        reconnectionDelay: 200,
        reconnectionDelayMax: 1_000,
        localAddress: sourceAddresses[i % sourceAddresses.length],
      } as Parameters<typeof io>[1]);
      // A refusal by the server's middleware is final for socket.io-client; a real app tries again.
      if (retryRefusedMs !== undefined) {
        socket.on('connect_error', () => {
          if (socket.active) return;
          setTimeout(
            () => {
              if (reverted) return;
              // A fresh connection, so the front can send it to another replica.
              socket.io.engine?.close();
              socket.connect();
            },
            retryRefusedMs * (0.5 + Math.random()),
          );
        });
      }
      sockets.push(socket);
    }
    note(`${clients} clients connecting`);
  },
});
