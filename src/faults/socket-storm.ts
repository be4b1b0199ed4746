import { io, type Socket } from 'socket.io-client';
import { z } from 'zod';
import { SEED_PASSWORD } from '../../fixtures/chat-backend/db/seed.ts';
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
    })
    .strict(),
  requires: [],
  describe: ({ clients, sourceAddresses }) =>
    `${clients} Socket.IO clients from ${sourceAddresses.join(', ')}`,
  async inject({ clients, sourceAddresses }, { stack, note }, registerUndo) {
    const sockets: Socket[] = [];
    await registerUndo(
      async () => {
        for (const socket of sockets) socket.close();
        note(`closed ${sockets.length} storm clients`);
      },
      undefined,
      async () => {
        const open = sockets.filter((socket) => socket.connected || socket.active).length;
        return open > 0 ? `${open} storm clients are still connected or reconnecting` : undefined;
      },
    );
    // The storm uses a real account, as a misbehaving client or a bot with stolen credentials would.
    const login = new ChatClient({ baseUrl: stack.endpoints.frontUrl, localAddress: sourceAddresses[0] });
    await login.login('user40', SEED_PASSWORD);
    login.close();
    for (let i = 0; i < clients; i++) {
      sockets.push(
        io(stack.endpoints.frontUrl, {
          transports: ['websocket'],
          auth: { token: login.token },
          reconnection: true,
          reconnectionDelay: 200,
          reconnectionDelayMax: 1_000,
          localAddress: sourceAddresses[i % sourceAddresses.length],
        } as Parameters<typeof io>[1]),
      );
    }
    note(`${clients} clients connecting`);
  },
});
