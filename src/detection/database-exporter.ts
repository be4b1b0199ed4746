import type pg from 'pg';
import { databaseClient } from '../stack/database-session.ts';
import type { Sample } from './prometheus-text.ts';

export interface DatabaseExporterOptions {
  /** Superuser URL of whichever server is the primary now (it changes after a failover). */
  url: () => string;
  /**
   * Run the data-integrity checks (runbook 6's queries) at most this often; undefined leaves them out.
   * They scan the messages table, so they run like a scheduled job, not on every scrape.
   */
  integrityIntervalMs?: number;
  /** message_ids the application acknowledged (the "app state" runbook 6 compares the database with). */
  acknowledged?: () => string[];
}

const APPLICATION_NAME = 'gameday-exporter';

/** Runbook 6's damage assessment as one gauge, labelled by check. */
export const INTEGRITY_METRIC = 'message_integrity_violations';

/**
 * What postgres_exporter would give Prometheus, read straight from the primary: connection counts by
 * state, max_connections, and how long the oldest running query has run; plus runbook 6's integrity
 * checks as a metric (duplicate message_ids, orphaned messages, acknowledged messages missing), the
 * way a team exports its data-quality job. The exporter's own session is never counted.
 */
export class DatabaseExporter {
  private client: pg.Client | undefined;
  private integrity: Sample[] = [];
  private integrityAt = Number.NEGATIVE_INFINITY;
  private integrityRun: Promise<void> | undefined;

  constructor(private readonly options: DatabaseExporterOptions) {}

  private inFlight: Promise<Sample[]> | undefined;

  /** One collection at a time: a scrape that gave up waiting shares the one still under way. */
  collect(): Promise<Sample[]> {
    this.inFlight ??= this.collectNow().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  private async collectNow(): Promise<Sample[]> {
    try {
      const client = await this.connect();
      const samples = [{ name: 'pg_up', labels: {}, value: 1 }, ...(await activity(client))];
      const { integrityIntervalMs } = this.options;
      if (
        integrityIntervalMs !== undefined &&
        this.integrityRun === undefined &&
        Date.now() - this.integrityAt >= integrityIntervalMs
      ) {
        // Half a second of table scans must not hold up the scrape: they run beside it, on their own session.
        this.integrityAt = Date.now();
        this.integrityRun = this.refreshIntegrity().finally(() => {
          this.integrityRun = undefined;
        });
      }
      return [...samples, ...this.integrity];
    } catch {
      // Not awaited: ending a session politely waits for a server that may not answer (a hang).
      const client = this.client;
      this.client = undefined;
      void client?.end().catch(() => undefined);
      return [{ name: 'pg_up', labels: {}, value: 0 }];
    }
  }

  async close(): Promise<void> {
    await this.integrityRun;
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private async refreshIntegrity(): Promise<void> {
    try {
      const client = await this.open();
      try {
        this.integrity = await integrityChecks(client, this.options.acknowledged?.() ?? []);
      } finally {
        await client.end().catch(() => undefined);
      }
    } catch {
      // The database is down: keep the last known values until it answers again.
    }
  }

  private async connect(): Promise<pg.Client> {
    this.client ??= await this.open();
    return this.client;
  }

  private async open(): Promise<pg.Client> {
    const url = new URL(this.options.url());
    url.searchParams.set('application_name', APPLICATION_NAME);
    // Client-side limits too: a frozen server enforces no statement_timeout of its own.
    const client = databaseClient({
      connectionString: url.toString(),
      connectionTimeoutMillis: 2_000,
      query_timeout: 10_000,
    });
    await client.connect();
    // A scrape must never hang on a saturated or locked database.
    await client.query("SET statement_timeout = '5s'");
    return client;
  }
}

async function activity(client: pg.Client): Promise<Sample[]> {
  const { rows } = await client.query<{ state: string; count: number; longest: number | null }>(
    `SELECT coalesce(state, 'unknown') AS state, count(*)::int AS count,
            max(extract(epoch FROM now() - query_start)) FILTER (WHERE state = 'active')::float AS longest
     FROM pg_stat_activity
     WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()
     GROUP BY 1`,
  );
  const settings = await client.query<{ max: number }>(
    `SELECT setting::int AS max FROM pg_settings WHERE name = 'max_connections'`,
  );
  const longest = Math.max(0, ...rows.map((row) => row.longest ?? 0));
  const max = settings.rows[0]!.max;
  // Every client backend counts against max_connections, this exporter's own session too.
  const used = rows.reduce((total, row) => total + row.count, 1);
  return [
    { name: 'pg_connections_used_ratio', labels: {}, value: used / max },
    { name: 'pg_settings_max_connections', labels: {}, value: max },
    ...rows.map((row) => ({
      name: 'pg_stat_activity_count',
      labels: { state: row.state },
      value: row.count,
    })),
    { name: 'pg_stat_activity_max_query_duration_seconds', labels: {}, value: longest },
  ];
}

/** Runbook 6's damage assessment, each as a count of violations (0 when the data is sound). */
async function integrityChecks(client: pg.Client, acknowledged: string[]): Promise<Sample[]> {
  const duplicates = await client.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM (
       SELECT message_id FROM messages GROUP BY message_id HAVING count(*) > 1) AS duplicated`,
  );
  const orphans = await client.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM messages m
     LEFT JOIN conversations c ON m.conversation_id = c.id WHERE c.id IS NULL`,
  );
  const missing = await client.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM unnest($1::uuid[]) AS acknowledged(message_id)
     WHERE NOT EXISTS (SELECT 1 FROM messages m WHERE m.message_id = acknowledged.message_id)`,
    [acknowledged],
  );
  const check = (name: string, value: number): Sample => ({
    name: INTEGRITY_METRIC,
    labels: { check: name },
    value,
  });
  return [
    check('duplicate-message-ids', duplicates.rows[0]!.n),
    check('orphaned-messages', orphans.rows[0]!.n),
    check('acknowledged-missing', missing.rows[0]!.n),
  ];
}
