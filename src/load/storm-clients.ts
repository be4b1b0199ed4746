import { io, type Socket } from 'socket.io-client';

export interface StormOptions {
  frontUrl: string;
  clients: number;
  /** Tokens of the accounts the clients log in as, used in turn. */
  tokens: string[];
  sourceAddresses: string[];
  /** Refused clients try again after this long, as real apps do (default: they give up). */
  retryRefusedMs?: number;
}

/**
 * A connection storm's clients: real Socket.IO clients from a few or many source addresses, each
 * reconnecting whenever it is dropped, until closed. Runs in a worker thread (storm-worker.ts).
 */
export class StormClients {
  private readonly sockets: Socket[] = [];
  private closed = false;

  connect({ frontUrl, clients, tokens, sourceAddresses, retryRefusedMs }: StormOptions): void {
    for (let i = 0; i < clients; i++) {
      const socket = io(frontUrl, {
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
              if (this.closed) return;
              // A fresh connection, so the front can send it to another replica.
              socket.io.engine?.close();
              socket.connect();
            },
            retryRefusedMs * (0.5 + Math.random()),
          );
        });
      }
      this.sockets.push(socket);
    }
  }

  /** Closes every client; returns how many are still connected or reconnecting (0 once done). */
  close(): number {
    this.closed = true;
    for (const socket of this.sockets) socket.close();
    return this.open();
  }

  open(): number {
    return this.sockets.filter((socket) => socket.connected || socket.active).length;
  }

  /** How many are connected now (not counting those still trying). */
  connected(): number {
    return this.sockets.filter((socket) => socket.connected).length;
  }

  get size(): number {
    return this.sockets.length;
  }
}
