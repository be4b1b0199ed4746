import pg from 'pg';
import { sleep } from '../core/wait.ts';

const TOO_MANY_CONNECTIONS = '53300';

/**
 * Opens one session on `url`, runs `work` with it and always closes it. A server at max_connections
 * can refuse even a superuser for a moment (backends being started hold slots until refused), so a
 * refusal is retried a few times, as a DBA would run psql again.
 */
export async function withDatabase<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = await connectWithRetry(url);
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/**
 * A client for the stack's database, whose server may be stopped, frozen or cut off under it at any
 * moment (that is the point of a fault). A lost connection fails the query under way; with no 'error'
 * listener pg would also raise it as an unhandled event, ending the harness before it reverts anything
 * (a Ctrl-C during a point-in-time restore did).
 */
export function databaseClient(config: pg.ClientConfig): pg.Client {
  const client = new pg.Client(config);
  client.on('error', () => undefined);
  return client;
}

export async function connectWithRetry(url: string, attempts = 10): Promise<pg.Client> {
  for (let attempt = 1; ; attempt++) {
    // A hung server accepts the connection and never answers: give up rather than wait forever.
    const client = databaseClient({ connectionString: url, connectionTimeoutMillis: 10_000 });
    try {
      await client.connect();
      return client;
    } catch (error) {
      await client.end().catch(() => undefined);
      if ((error as { code?: string }).code !== TOO_MANY_CONNECTIONS || attempt >= attempts) throw error;
      await sleep(100 * attempt);
    }
  }
}
