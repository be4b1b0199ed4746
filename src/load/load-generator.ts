import { randomUUID } from 'node:crypto';
import { io, type Socket } from 'socket.io-client';
import { sleep } from '../core/wait.ts';
import type { Acknowledged } from './ack-ledger.ts';
import { ChatClient, type ChatMessage } from './chat-client.ts';
import type { TrafficTotals } from './load-source.ts';

export type Action = 'send' | 'read-conversation' | 'read-own-messages' | 'list-conversations' | 'upload';

export interface TrafficOptions {
  /** Virtual users, each a closed loop of requests (user1, user2, … from the seed). */
  users: number;
  /** Socket.IO clients that join their conversations and receive messages. */
  sockets: number;
  /** Pause between one user's requests (ms). */
  thinkTimeMs: number;
  /** Weights of each action in the mix. */
  mix: Record<Action, number>;
  /** Source addresses the users and sockets connect from, in turn (all local). */
  sourceAddresses: string[];
  /** The password of the seeded users (user1, user2, …) the virtual users log in as. */
  password: string;
  /**
   * The mobile client's send policy: give up waiting after `timeoutMs` and send again with the same
   * message_id, up to `attempts` sends in all. Without it a send waits 10 s and is never repeated.
   */
  sendRetry?: { timeoutMs: number; attempts: number };
}

export const DEFAULT_TRAFFIC: Omit<TrafficOptions, 'password'> = {
  users: 12,
  sockets: 8,
  thinkTimeMs: 80,
  mix: { send: 35, 'read-conversation': 15, 'read-own-messages': 30, 'list-conversations': 10, upload: 10 },
  sourceAddresses: Array.from({ length: 12 }, (_, i) => `127.0.0.${10 + i}`),
};

export interface TrafficSecond {
  /** Start of the second (ms since epoch). */
  t: number;
  ok: number;
  clientErrors: number;
  serverErrors: number;
  networkErrors: number;
  /** 403 answers to these (legitimate) users: refused by a block list or a limit. */
  forbidden: number;
}

interface VirtualUser {
  client: ChatClient;
  userId: string;
  conversations: string[];
}

/**
 * Waits for every one of `pending`; when any fails, closes the ones that succeeded (`closeOpened`)
 * and throws the first failure, so a half-started load leaves nothing open.
 */
async function allOrNone<T>(pending: Promise<T>[], closeOpened: (opened: T[]) => void): Promise<T[]> {
  const settled = await Promise.allSettled(pending);
  const opened = settled.flatMap((one) => (one.status === 'fulfilled' ? [one.value] : []));
  const failed = settled.find((one): one is PromiseRejectedResult => one.status === 'rejected');
  if (failed) {
    closeOpened(opened);
    throw failed.reason;
  }
  return opened;
}

/**
 * Steady chat traffic for the whole scenario: REST users in closed loops and Socket.IO clients that
 * stay connected (and reconnect through rollouts). Every acknowledged message is handed on as it comes;
 * every outcome is counted per second for the report. It runs in a worker thread (worker-traffic.ts).
 */
export class LoadGenerator {
  private readonly virtualUsers: VirtualUser[] = [];
  private readonly sockets: Socket[] = [];
  private running = false;
  private loops: Promise<void>[] = [];
  private readonly seconds = new Map<number, TrafficSecond>();
  received = 0;
  socketDisconnects = 0;
  /** Sends repeated after a timeout (same message_id). */
  sendRetries = 0;

  constructor(
    private readonly baseUrl: string,
    private readonly options: TrafficOptions,
    /** Every message the backend acknowledged, as it is acknowledged. */
    private readonly onAcknowledged: (entry: Acknowledged) => void,
  ) {}

  async start(): Promise<void> {
    const { sourceAddresses } = this.options;
    // All at once, not one after another: each login waits on the backend's password hash, and every
    // scenario starts here, so a sequence of them was half a second of each scenario's start.
    const loggedIn = await allOrNone(
      Array.from({ length: this.options.users }, (_, i) =>
        this.logIn(i + 1, sourceAddresses[i % sourceAddresses.length]),
      ),
      (opened) => {
        for (const user of opened) user.client.close();
      },
    );
    const connected = await allOrNone(
      Array.from({ length: this.options.sockets }, (_, i) =>
        this.connectSocket(loggedIn[i % loggedIn.length]!, sourceAddresses[i % sourceAddresses.length]),
      ),
      (opened) => {
        for (const socket of opened) socket.close();
        for (const user of loggedIn) user.client.close();
      },
    );
    // Kept only once all are up: a failed start has closed them, and stop() must not close them again.
    this.virtualUsers.push(...loggedIn);
    this.sockets.push(...connected);
    this.running = true;
    this.loops = this.virtualUsers.map((user) => this.loop(user));
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
    for (const socket of this.sockets) socket.close();
    for (const user of this.virtualUsers) user.client.close();
  }

  /** Outcomes per second, oldest first. */
  timeline(): TrafficSecond[] {
    return [...this.seconds.values()].sort((a, b) => a.t - b.t);
  }

  totals(): TrafficTotals {
    const totals = {
      ok: 0,
      clientErrors: 0,
      serverErrors: 0,
      networkErrors: 0,
      forbidden: 0,
      socketMessagesReceived: this.received,
      sendRetries: this.sendRetries,
    };
    for (const second of this.seconds.values()) {
      totals.ok += second.ok;
      totals.clientErrors += second.clientErrors;
      totals.serverErrors += second.serverErrors;
      totals.networkErrors += second.networkErrors;
      totals.forbidden += second.forbidden;
    }
    return totals;
  }

  private count(outcome: keyof Omit<TrafficSecond, 't'>): void {
    const t = Math.floor(Date.now() / 1000) * 1000;
    let second = this.seconds.get(t);
    if (!second) {
      second = { t, ok: 0, clientErrors: 0, serverErrors: 0, networkErrors: 0, forbidden: 0 };
      this.seconds.set(t, second);
    }
    second[outcome] += 1;
  }

  private pick(): Action {
    const entries = Object.entries(this.options.mix) as [Action, number][];
    let roll = Math.random() * entries.reduce((total, [, weight]) => total + weight, 0);
    for (const [action, weight] of entries) {
      roll -= weight;
      if (roll < 0) return action;
    }
    return entries[0]![0];
  }

  private async loop(user: VirtualUser): Promise<void> {
    while (this.running) {
      const conversation = user.conversations[Math.floor(Math.random() * user.conversations.length)]!;
      try {
        const { status, blocked } = await this.act(user, this.pick(), conversation);
        this.count(status >= 500 ? 'serverErrors' : status >= 400 ? 'clientErrors' : 'ok');
        if (blocked) this.count('forbidden');
      } catch {
        this.count('networkErrors');
      }
      await sleep(this.options.thinkTimeMs * (0.5 + Math.random()));
    }
  }

  /** One action; `blocked` when the answer was a 403 refusing this user outright (block list, limits). */
  private async act(
    user: VirtualUser,
    action: Action,
    conversationId: string,
  ): Promise<{ status: number; blocked: boolean }> {
    const response = await this.request(user, action, conversationId);
    const body = response.body as { error?: string } | undefined;
    return { status: response.status, blocked: response.status === 403 && body?.error === 'blocked' };
  }

  private async request(user: VirtualUser, action: Action, conversationId: string) {
    const { client } = user;
    switch (action) {
      case 'send': {
        const messageId = randomUUID();
        const { timeoutMs, attempts } = this.options.sendRetry ?? { timeoutMs: undefined, attempts: 1 };
        let response: Awaited<ReturnType<ChatClient['sendMessage']>> | undefined;
        for (let attempt = 1; response === undefined; attempt++) {
          try {
            response = await client.sendMessage(
              conversationId,
              `load ${messageId.slice(0, 8)}`,
              messageId,
              timeoutMs,
            );
          } catch (error) {
            if (attempt >= attempts) throw error;
            this.sendRetries += 1;
          }
        }
        if (response.status === 201) {
          this.onAcknowledged({
            messageId,
            conversationId,
            userId: user.userId,
            at: Date.now(),
            via: 'rest',
          });
        }
        return response;
      }
      case 'read-conversation':
        return client.listConversationMessages(conversationId, 20);
      case 'read-own-messages':
        return client.listUserMessages(user.userId, 20);
      case 'list-conversations':
        return client.conversations();
      case 'upload':
        return client.uploadAttachment(conversationId, Buffer.alloc(1024, 1), 'application/octet-stream');
    }
  }

  private async logIn(number: number, localAddress: string | undefined): Promise<VirtualUser> {
    const client = new ChatClient({ baseUrl: this.baseUrl, localAddress });
    try {
      const login = await client.login(`user${number}`, this.options.password);
      if (login.status !== 200) throw new Error(`load: user${number} cannot log in (HTTP ${login.status})`);
      const conversations = (await client.conversations()).body.conversations.map((c) => c.id);
      return { client, userId: client.userId!, conversations };
    } catch (error) {
      client.close();
      throw error;
    }
  }

  private connectSocket(user: VirtualUser, localAddress: string | undefined): Promise<Socket> {
    const socket = io(this.baseUrl, {
      transports: ['websocket'],
      auth: { token: user.client.token },
      reconnection: true,
      reconnectionDelay: 100,
      reconnectionDelayMax: 1_000,
      localAddress,
    } as Parameters<typeof io>[1]);
    const join = () => {
      for (const conversation of user.conversations.slice(0, 3))
        socket.emit('conversation:join', conversation);
    };
    socket.on('connect', join);
    socket.on('disconnect', () => {
      this.socketDisconnects += 1;
    });
    socket.on('message:new', (_message: ChatMessage) => {
      this.received += 1;
    });
    return new Promise((resolve, reject) => {
      socket.once('connect', () => resolve(socket));
      socket.once('connect_error', (error) => {
        socket.close();
        reject(new Error(`load: socket for ${user.userId} cannot connect: ${error.message}`));
      });
    });
  }
}
