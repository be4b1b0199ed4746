import { clearTimeout, setTimeout, type TimeoutID } from 'k6/timers';
import { WebSocket } from 'k6/websockets';

// Runs inside k6 (inlined into every exported script): only k6 modules, no Node globals.

/** How a connection attempt ended: accepted, or refused with the server's reason ("blocked", …). */
export type SocketIoConnect = { ok: true; sid: string } | { ok: false; reason: string };

interface PendingAck {
  timer: TimeoutID;
  resolve: (args: unknown[] | undefined) => void;
}

/**
 * A Socket.IO v4 client over k6's WebSocket, since k6 has none: Engine.IO v4 framing on the websocket
 * transport, the default namespace, events and acknowledgements. No polling, no binary packets.
 */
export class SocketIoClient {
  readonly connected: Promise<SocketIoConnect>;
  readonly closed: Promise<void>;
  open = false;
  private readonly ws: WebSocket;
  // A Map: an event the server names `__proto__` or `constructor` must find no handler.
  private readonly handlers = new Map<string, (data: unknown) => void>();
  private readonly acks: Record<number, PendingAck> = {};
  private nextAckId = 0;
  private settle: (result: SocketIoConnect) => void = () => undefined;

  constructor(baseUrl: string, auth: Record<string, string>, tags: Record<string, string> = {}) {
    this.ws = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/socket.io/?EIO=4&transport=websocket`, null, {
      tags,
    });
    this.connected = new Promise((resolve) => {
      this.settle = resolve;
    });
    this.closed = new Promise((resolve) => {
      this.ws.onclose = () => {
        this.open = false;
        this.settle({ ok: false, reason: 'closed' });
        // Pending acks end now: their timers would keep the VU's iteration alive.
        for (const id of Object.keys(this.acks)) this.finishAck(Number(id), undefined);
        resolve();
      };
    });
    this.ws.onerror = (event) => this.settle({ ok: false, reason: event?.error ?? 'websocket error' });
    this.ws.onmessage = (event) => {
      if (typeof event?.data === 'string') this.onEnginePacket(event.data, auth);
    };
  }

  on(event: string, handler: (data: unknown) => void): void {
    this.handlers.set(event, handler);
  }

  emit(event: string, data: unknown): void {
    if (this.open) this.ws.send(`42${JSON.stringify([event, data])}`);
  }

  /** Resolves with the server's acknowledgement, or undefined when none came within `timeoutMs`. */
  emitWithAck(event: string, data: unknown, timeoutMs: number): Promise<unknown> {
    if (!this.open) return Promise.resolve(undefined);
    const id = this.nextAckId++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.finishAck(id, undefined), timeoutMs);
      this.acks[id] = { timer, resolve: (args) => resolve(args?.[0]) };
      this.ws.send(`42${id}${JSON.stringify([event, data])}`);
    });
  }

  close(): void {
    if (this.open) this.ws.send('41');
    if (this.ws.readyState < 2) this.ws.close();
  }

  private finishAck(id: number, args: unknown[] | undefined): void {
    const pending = this.acks[id];
    if (!pending) return;
    delete this.acks[id];
    clearTimeout(pending.timer);
    pending.resolve(args);
  }

  /** Engine.IO: 0 open, 1 close, 2 ping, 4 message (a Socket.IO packet). */
  private onEnginePacket(packet: string, auth: Record<string, string>): void {
    const type = packet.charAt(0);
    if (type === '0') this.ws.send(`40${JSON.stringify(auth)}`);
    else if (type === '2') this.ws.send('3');
    else if (type === '1') this.ws.close();
    else if (type === '4') this.onSocketIoPacket(packet.slice(1));
  }

  /** Socket.IO: 0 connect, 1 disconnect, 2 event, 3 ack, 4 connect error; then an ack id, then JSON. */
  private onSocketIoPacket(packet: string): void {
    const rest = packet.slice(1);
    const digits = /^\d*/.exec(rest)?.[0] ?? '';
    const payload: unknown = rest.length > digits.length ? JSON.parse(rest.slice(digits.length)) : undefined;
    switch (packet.charAt(0)) {
      case '0':
        this.open = true;
        this.settle({ ok: true, sid: String((payload as { sid?: unknown } | undefined)?.sid) });
        break;
      case '4': {
        const refusal = payload as { message?: string; data?: { reason?: string } } | undefined;
        this.settle({ ok: false, reason: refusal?.data?.reason ?? refusal?.message ?? 'refused' });
        this.ws.close();
        break;
      }
      case '1':
        this.ws.close();
        break;
      case '2': {
        const [event, data] = payload as [string, unknown];
        this.handlers.get(event)?.(data);
        break;
      }
      case '3':
        this.finishAck(Number(digits), payload as unknown[]);
        break;
    }
  }
}
