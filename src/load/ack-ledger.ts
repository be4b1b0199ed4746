import { databaseClient } from '../stack/database-session.ts';

export interface Acknowledged {
  messageId: string;
  conversationId: string;
  userId: string;
  at: number;
  via: 'rest' | 'socket';
}

export interface LedgerCheck {
  acknowledged: number;
  /** Acknowledged by the backend but not in the database. */
  lost: string[];
  /** Acknowledged once but stored more than once. */
  duplicated: string[];
}

/**
 * Every message the backend acknowledged (201, or a socket ack with ok), kept by the harness, so
 * "no acknowledged message lost" is checked against the database rather than assumed.
 */
export class AckLedger {
  private readonly entries = new Map<string, Acknowledged>();

  record(entry: Acknowledged): void {
    this.entries.set(entry.messageId, entry);
  }

  get size(): number {
    return this.entries.size;
  }

  all(): Acknowledged[] {
    return [...this.entries.values()];
  }

  /** Looks every acknowledged message_id up in the messages table. */
  async check(databaseUrl: string): Promise<LedgerCheck> {
    const ids = [...this.entries.keys()];
    // Client-side limits: a hung database must not hold the end of a scenario forever.
    const client = databaseClient({
      connectionString: databaseUrl,
      connectionTimeoutMillis: 10_000,
      query_timeout: 30_000,
    });
    await client.connect();
    try {
      const counts = new Map<string, number>();
      for (let i = 0; i < ids.length; i += 5_000) {
        const { rows } = await client.query<{ message_id: string; n: string }>(
          'SELECT message_id::text, count(*) AS n FROM messages WHERE message_id = ANY($1::uuid[]) GROUP BY message_id',
          [ids.slice(i, i + 5_000)],
        );
        for (const row of rows) counts.set(row.message_id, Number(row.n));
      }
      return {
        acknowledged: ids.length,
        lost: ids.filter((id) => !counts.has(id)),
        duplicated: ids.filter((id) => (counts.get(id) ?? 0) > 1),
      };
    } finally {
      await client.end();
    }
  }
}
