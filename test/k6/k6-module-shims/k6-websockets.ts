import WsClient from 'ws';
import { type OpenSocket, vuContext } from './vu-context.ts';

type Listener = (event?: unknown) => void;

/**
 * k6/websockets' WebSocket over the `ws` package. Its callbacks run in the VU's context, and the VU's
 * iteration waits for it to close, as k6's event loop does.
 */
export class WebSocket implements OpenSocket {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSING = 2;
  static readonly CLOSED = 3;
  onopen: Listener = () => undefined;
  onmessage: Listener = () => undefined;
  onclose: Listener = () => undefined;
  onerror: Listener = () => undefined;
  onping: Listener = () => undefined;
  onpong: Listener = () => undefined;
  readonly closed: Promise<void>;
  private readonly socket: WsClient;
  private readonly listeners: Record<string, Listener[]> = {};

  constructor(
    readonly url: string,
    _protocols?: null,
    params?: { headers?: Record<string, string> } | null,
  ) {
    const context = vuContext.getStore();
    const inVu = (run: () => void) => (context ? vuContext.run(context, run) : run());
    this.socket = new WsClient(url, { headers: params?.headers });
    context?.sockets.add(this);
    this.closed = new Promise((resolve) => {
      this.socket.on('close', () => {
        context?.sockets.delete(this);
        resolve();
        inVu(() => this.dispatch('close'));
      });
    });
    const stamp = () => ({ timestamp: Date.now() });
    this.socket.on('open', () => inVu(() => this.dispatch('open')));
    this.socket.on('message', (data: Buffer, isBinary: boolean) =>
      inVu(() =>
        this.dispatch('message', {
          type: 'message',
          data: isBinary ? data : data.toString('utf8'),
          ...stamp(),
        }),
      ),
    );
    this.socket.on('error', (error: Error) =>
      inVu(() => this.dispatch('error', { type: 'error', error: error.message, ...stamp() })),
    );
    this.socket.on('ping', () => inVu(() => this.dispatch('ping')));
    this.socket.on('pong', () => inVu(() => this.dispatch('pong')));
  }

  get readyState(): number {
    return this.socket.readyState;
  }

  send(data: string): void {
    this.socket.send(data);
  }

  close(code?: number, reason?: string): void {
    this.socket.close(code, reason);
  }

  ping(): void {
    this.socket.ping();
  }

  addEventListener(event: string, listener: Listener): void {
    this.listeners[event] = [...(this.listeners[event] ?? []), listener];
  }

  private dispatch(event: string, payload?: unknown): void {
    const property = this[`on${event}` as 'onopen'];
    property.call(this, payload);
    for (const listener of this.listeners[event] ?? []) listener(payload);
  }
}
