import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labelFix } from '../../src/runbooks/judge-label.ts';
import { type RunbookDocument, readRunbook } from '../../src/runbooks/parse-runbook.ts';
import { cells, type Evidence, showing } from '../../src/runbooks/run-diagnostics.ts';
import { createTestDatabase, type TestDatabase } from '../support/databases.ts';

/**
 * A label's repair is run during other incidents than the one it was written from: the query that
 * replaces "Find long-running queries" must still point at a connection leak's sessions, which sit
 * idle in a transaction rather than run (the shared runbook's line 423, tried during connection-limit).
 */
const SHARED = new URL('../../../shared/runbooks/incident-response-runbooks.md', import.meta.url);
let shared: RunbookDocument;
let database: TestDatabase;
const leaked: pg.Client[] = [];

beforeAll(async () => {
  shared = await readRunbook(SHARED);
  database = await createTestDatabase();
  for (let i = 0; i < 3; i += 1) {
    const client = new pg.Client({ connectionString: database.url, application_name: 'report-exporter' });
    await client.connect();
    await client.query('BEGIN');
    await client.query('SELECT count(*) FROM messages');
    leaked.push(client);
  }
});
afterAll(async () => {
  await Promise.all(leaked.map((client) => client.end()));
  await database?.drop();
});

describe("the long-running-query label's repair", () => {
  it('shows the leaked sessions, idle in a transaction, and whose they are', async () => {
    const step = shared.runbooks
      .flatMap((runbook) => runbook.steps)
      .find((candidate) => candidate.line === 423)!;
    const fix = labelFix(step);
    expect(fix?.promise).toBe('slow or long-running queries');
    const { rows } = await database.sql(fix!.sql);
    const leak: Evidence = {
      values: ['report-exporter', 'idle in transaction'],
      description: 'the leaked sessions of report-exporter, idle in transaction',
    };
    expect(showing([leak], cells(rows))).toEqual([leak]);
    const exporters = rows.filter((row) => row.application_name === 'report-exporter');
    expect(exporters.map((row) => row.state)).toEqual(Array(3).fill('idle in transaction'));
  });
});
