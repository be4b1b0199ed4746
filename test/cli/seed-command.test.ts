import pg from 'pg';
import { describe, expect, inject, it } from 'vitest';
import { runCli } from '../support/run-cli.ts';

describe('gameday seed', () => {
  it('reports every bad flag at once with exit code 2', async () => {
    const result = await runCli([
      'seed',
      '--database-url',
      'mysql://x',
      '--preset',
      'huge',
      '--messages',
      '-3',
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--database-url: expected a postgresql:// URL');
    expect(result.stderr).toContain('--preset: unknown preset "huge"; use tiny or gameday');
    expect(result.stderr).toContain('--messages: expected a whole number, got "-3"');
  });

  it('refuses a preset named after what every JavaScript object inherits, before touching the database', async () => {
    // Before: exit 4, "internal error … NaN", the schema created and empty.
    const result = await runCli([
      'seed',
      '--database-url',
      'postgresql://u:p@127.0.0.1:9/db',
      '--preset',
      'constructor',
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--preset: unknown preset "constructor"; use tiny or gameday');
  });

  it('answers exit code 3 when the database cannot be reached, without printing the password', async () => {
    const result = await runCli(['seed', '--database-url', 'postgresql://u:hunter22@127.0.0.1:9/db']);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('cannot connect to --database-url');
    expect(result.stderr).not.toContain('hunter22');
  });

  it('creates the schema and seeds an empty database', async () => {
    const adminUrl = inject('postgres').adminUrl;
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query('CREATE DATABASE cli_seed_target');
    try {
      const target = new URL(adminUrl);
      target.pathname = '/cli_seed_target';
      const result = await runCli([
        'seed',
        '--database-url',
        target.toString(),
        '--preset',
        'tiny',
        '--messages',
        '300',
      ]);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/seeded 50 users, 20 conversations, 300 messages in [0-9.]+ s/);
      const client = new pg.Client({ connectionString: target.toString() });
      await client.connect();
      const { rows } = await client.query<{ n: string }>('SELECT count(*) AS n FROM messages');
      await client.end();
      expect(rows[0]?.n).toBe('300');
    } finally {
      await admin.query('DROP DATABASE cli_seed_target WITH (FORCE)');
      await admin.end();
    }
  });
});
