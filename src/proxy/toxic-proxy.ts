import net from 'node:net';
import { ownEntry } from '../core/own-entry.ts';
import { Link, type ToxicDefinition } from './link.ts';
import { type Attributes, TOXIC_TYPES } from './toxic-types.ts';

/** An error with the HTTP status and message Toxiproxy's API uses for it. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export interface ProxyJson {
  name: string;
  listen: string;
  upstream: string;
  enabled: boolean;
  toxics: ToxicJson[];
}

export interface ToxicJson {
  attributes: Attributes;
  name: string;
  type: string;
  stream: string;
  toxicity: number;
}

/** "host:port" or "[v6]:port" → parts; `localhost` is 127.0.0.1, as Go resolves it. */
export function parseAddress(address: string): { host: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(address.trim());
  if (!match) throw new ApiError(500, `listen tcp ${address}: address ${address}: missing port in address`);
  const host = match[1] ?? match[2] ?? '';
  return { host: host === 'localhost' ? '127.0.0.1' : host, port: Number(match[3]) };
}

function formatAddress(address: net.AddressInfo): string {
  return address.family === 'IPv6'
    ? `[${address.address}]:${address.port}`
    : `${address.address}:${address.port}`;
}

let toxicOrder = 0;

interface Connection {
  client: net.Socket;
  upstream: net.Socket;
  links: { upstream: Link; downstream: Link };
}

/** One named proxy: a listener, its upstream, its toxics and its open connections. */
export class ToxicProxy {
  enabled = false;
  toxics: ToxicDefinition[] = [];
  private server: net.Server | undefined;
  private readonly connections = new Set<Connection>();
  private readonly pending = new Set<net.Socket>();

  constructor(
    readonly name: string,
    public listen: string,
    public upstream: string,
  ) {}

  toJSON(): ProxyJson {
    return {
      name: this.name,
      listen: this.listen,
      upstream: this.upstream,
      enabled: this.enabled,
      toxics: this.orderedToxics().map(toxicJson),
    };
  }

  /** Upstream toxics first, then downstream, each in the order added (as Toxiproxy lists them). */
  orderedToxics(): ToxicDefinition[] {
    return [...this.toxics].sort((a, b) =>
      a.stream === b.stream ? a.order - b.order : a.stream === 'upstream' ? -1 : 1,
    );
  }

  async start(): Promise<void> {
    if (this.enabled) return;
    const { host, port } = this.listen ? parseAddress(this.listen) : { host: '', port: 0 };
    // No Nagle on either side, as Go's connections (Toxiproxy's) have it: a small query's reply is
    // sent at once, not held for an ACK the other side delays.
    const server = net.createServer({ noDelay: true }, (client) => this.accept(client));
    await new Promise<void>((resolve, reject) => {
      server.once('error', (error: NodeJS.ErrnoException) =>
        reject(
          new ApiError(
            500,
            `listen tcp ${this.listen}: bind: ${error.code === 'EADDRINUSE' ? 'address already in use' : error.message}`,
          ),
        ),
      );
      server.listen(port, host || undefined, () => resolve());
    });
    this.server = server;
    this.listen = formatAddress(server.address() as net.AddressInfo);
    this.enabled = true;
  }

  /** Closes the listener and every open connection; toxics stay. */
  async stop(): Promise<void> {
    this.enabled = false;
    const server = this.server;
    this.server = undefined;
    for (const socket of this.pending) socket.destroy();
    for (const connection of this.connections) this.close(connection, 'fin');
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  addToxic(input: {
    name?: unknown;
    type?: unknown;
    stream?: unknown;
    toxicity?: unknown;
    attributes?: unknown;
  }): ToxicDefinition {
    const streamText = input.stream === undefined ? 'downstream' : String(input.stream);
    const stream = streamText.toLowerCase();
    if (stream !== 'upstream' && stream !== 'downstream') {
      throw new ApiError(400, 'stream was invalid, can be either upstream or downstream');
    }
    const type = String(input.type ?? '');
    const name = input.name ? String(input.name) : `${type}_${stream}`;
    if (!ownEntry(TOXIC_TYPES, type)) throw new ApiError(400, 'invalid toxic type');
    if (this.toxics.some((toxic) => toxic.name === name)) throw new ApiError(409, 'toxic already exists');
    const definition: ToxicDefinition = {
      name,
      type,
      stream,
      toxicity: input.toxicity === undefined ? 1 : toxicityValue(input.toxicity),
      attributes: attributesFor(type, input.attributes, {}),
      order: ++toxicOrder,
    };
    this.toxics.push(definition);
    this.syncLinks();
    return definition;
  }

  /** Merges: attributes and toxicity left out keep their values; name, type and stream cannot change. */
  updateToxic(name: string, input: { toxicity?: unknown; attributes?: unknown }): ToxicDefinition {
    const index = this.toxics.findIndex((toxic) => toxic.name === name);
    if (index < 0) throw new ApiError(404, 'toxic not found');
    const current = this.toxics[index]!;
    const updated: ToxicDefinition = {
      ...current,
      toxicity: input.toxicity === undefined ? current.toxicity : toxicityValue(input.toxicity),
      attributes: attributesFor(current.type, input.attributes, current.attributes),
    };
    this.toxics[index] = updated;
    this.syncLinks();
    return updated;
  }

  removeToxic(name: string): void {
    const before = this.toxics.length;
    this.toxics = this.toxics.filter((toxic) => toxic.name !== name);
    if (this.toxics.length === before) throw new ApiError(404, 'toxic not found');
    this.syncLinks();
  }

  removeAllToxics(): void {
    this.toxics = [];
    this.syncLinks();
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  private syncLinks(): void {
    for (const connection of this.connections) {
      connection.links.upstream.sync(this.toxics.filter((t) => t.stream === 'upstream'));
      connection.links.downstream.sync(this.toxics.filter((t) => t.stream === 'downstream'));
    }
  }

  private accept(client: net.Socket): void {
    client.pause();
    client.on('error', () => undefined);
    this.pending.add(client);
    let target: { host: string; port: number };
    try {
      target = parseAddress(this.upstream);
    } catch {
      this.pending.delete(client);
      client.destroy();
      return;
    }
    const upstream = net.connect({ port: target.port, host: target.host || '127.0.0.1', noDelay: true });
    upstream.on('error', () => undefined);
    upstream.once('error', () => {
      // Upstream unreachable: Toxiproxy closes the client without a word.
      this.pending.delete(client);
      client.destroy();
    });
    upstream.once('connect', () => {
      this.pending.delete(client);
      if (!this.enabled || client.destroyed) {
        upstream.destroy();
        client.destroy();
        return;
      }
      upstream.pause();
      const connection = { client, upstream } as Connection;
      const close = (how: 'fin' | 'rst') => this.close(connection, how);
      connection.links = {
        upstream: new Link(
          client,
          upstream,
          this.toxics.filter((t) => t.stream === 'upstream'),
          close,
        ),
        downstream: new Link(
          upstream,
          client,
          this.toxics.filter((t) => t.stream === 'downstream'),
          close,
        ),
      };
      this.connections.add(connection);
      // An orderly end (FIN) travels through the toxics as the link's end of stream, so data still held
      // by a toxic is delivered first; only an abrupt close tears the connection down at once.
      client.on('close', (hadError) => hadError && close('fin'));
      upstream.on('close', (hadError) => hadError && close('fin'));
      client.resume();
      upstream.resume();
    });
  }

  private close(connection: Connection, how: 'fin' | 'rst'): void {
    if (!this.connections.delete(connection)) return;
    connection.links.upstream.close();
    connection.links.downstream.close();
    for (const socket of [connection.client, connection.upstream]) {
      if (how === 'rst' && !socket.destroyed) socket.resetAndDestroy();
      else socket.destroySoon();
    }
  }
}

function toxicityValue(raw: unknown): number {
  const value = Number(raw);
  if (!Number.isFinite(value)) throw new ApiError(400, 'bad request body: toxicity must be a number');
  return value;
}

function attributesFor(type: string, raw: unknown, base: Attributes): Attributes {
  const given = (raw ?? {}) as Record<string, unknown>;
  if (typeof given !== 'object' || Array.isArray(given))
    throw new ApiError(400, 'bad request body: attributes');
  const attributes: Attributes = {};
  for (const name of TOXIC_TYPES[type]!.attributes) {
    const value = given[name] === undefined ? (base[name] ?? 0) : Number(given[name]);
    if (!Number.isFinite(value))
      throw new ApiError(400, `bad request body: attribute ${name} must be a number`);
    attributes[name] = value;
  }
  return attributes;
}

function toxicJson(toxic: ToxicDefinition): ToxicJson {
  return {
    attributes: toxic.attributes,
    name: toxic.name,
    type: toxic.type,
    stream: toxic.stream,
    toxicity: toxic.toxicity,
  };
}
