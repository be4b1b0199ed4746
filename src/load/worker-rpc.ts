import { parentPort, Worker } from 'node:worker_threads';

type Handlers = Record<string, (...args: never[]) => unknown>;

interface Call {
  id: number;
  name: string;
  args: unknown[];
}

type Reply = { id: number; result: unknown } | { id: number; error: string };

interface Event {
  event: string;
  payload: unknown;
}

const BOOT = new URL('./worker-boot.mjs', import.meta.url);
/** How long a booted spare waits for a start before it ends (it holds no process open meanwhile). */
const SPARE_IDLE_MS = 60_000;

const boot = (entry: URL) => new Worker(BOOT, { workerData: { entry: entry.href } });

/**
 * Booted workers waiting for their next start, one per entry. Booting one (TypeScript compiled in the
 * new thread, its modules loaded) takes about half a second, which every scenario paid at its start.
 */
const spares = new Map<string, { worker: Worker; idle: NodeJS.Timeout }>();

/**
 * Work moved off the measuring thread: a module run in a worker thread, whose exported handlers are
 * called by name, and which can send events back (acknowledged messages as they come). Load runs
 * there so a storm of a thousand sockets cannot stall the scraper and the alert clock.
 */
export class WorkerRpc {
  private nextId = 1;
  private readonly pending = new Map<
    number,
    { resolve: (value: unknown) => void; reject: (error: Error) => void }
  >();
  private readonly listeners = new Map<string, (payload: unknown) => void>();
  private failure: Error | undefined;

  private constructor(private readonly worker: Worker) {
    worker.on('message', (message: Reply | Event) => {
      if ('event' in message) {
        this.listeners.get(message.event)?.(message.payload);
        return;
      }
      const call = this.pending.get(message.id);
      this.pending.delete(message.id);
      if ('error' in message) call?.reject(new Error(message.error));
      else call?.resolve(message.result);
    });
    const fail = (error: Error) => {
      this.failure = error;
      for (const call of this.pending.values()) call.reject(error);
      this.pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`the worker exited (${code})`)));
  }

  /**
   * Starts `entry` (a module that calls serveHandlers) in its own thread, with TypeScript as here: the
   * spare `prewarm` booted for it, if one is waiting.
   */
  static start(entry: URL): WorkerRpc {
    const spare = spares.get(entry.href);
    if (!spare) return new WorkerRpc(boot(entry));
    spares.delete(entry.href);
    clearTimeout(spare.idle);
    spare.worker.removeAllListeners();
    spare.worker.ref();
    return new WorkerRpc(spare.worker);
  }

  /**
   * Boots a spare worker of `entry` for the next `start`, between scenarios rather than at the next
   * one's start. A spare that fails to boot is dropped (the next start boots its own and sees why).
   */
  static prewarm(entry: URL): void {
    if (spares.has(entry.href)) return;
    const worker = boot(entry);
    worker.unref();
    const drop = () => {
      const spare = spares.get(entry.href);
      if (spare?.worker !== worker) return;
      spares.delete(entry.href);
      clearTimeout(spare.idle);
    };
    worker.on('error', drop);
    worker.on('exit', drop);
    const idle = setTimeout(() => {
      drop();
      void worker.terminate();
    }, SPARE_IDLE_MS);
    idle.unref();
    spares.set(entry.href, { worker, idle });
  }

  on(event: string, listener: (payload: unknown) => void): void {
    this.listeners.set(event, listener);
  }

  call<T>(name: string, ...args: unknown[]): Promise<T> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.worker.postMessage({ id, name, args } satisfies Call);
    });
  }

  /** Ends the thread; its sockets close with it. Safe to call twice. */
  async terminate(): Promise<void> {
    await this.worker.terminate();
  }
}

/** In the worker: answers calls with `handlers`; `emit` sends an event to the thread that started it. */
export function serveHandlers(handlers: Handlers): void {
  const port = parentPort;
  if (!port) throw new Error('serveHandlers runs in a worker thread');
  port.on('message', async ({ id, name, args }: Call) => {
    try {
      const handler = handlers[name];
      if (!handler) throw new Error(`no handler "${name}"`);
      port.postMessage({ id, result: await handler(...(args as never[])) } satisfies Reply);
    } catch (error) {
      port.postMessage({ id, error: (error as Error).message } satisfies Reply);
    }
  });
}

export function emit(event: string, payload: unknown): void {
  parentPort?.postMessage({ event, payload } satisfies Event);
}
