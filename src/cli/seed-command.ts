import type { Command } from 'commander';
import pg from 'pg';
import { InputError, StackUnavailableError } from '../core/errors.ts';
import {
  applySchema,
  isSeedPreset,
  SEED_PRESETS,
  type SeedPreset,
  seed,
} from '../stack/reference-backend.ts';

/** `gameday seed`: loads the fixture schema and data into a database someone else runs. */
export function registerSeedCommand(program: Command): void {
  program
    .command('seed')
    .description('create the chat schema and seed data in an empty PostgreSQL database')
    .requiredOption('--database-url <url>', 'postgresql:// URL of an empty database')
    .option('--preset <name>', `data size: ${Object.keys(SEED_PRESETS).join(' | ')}`, 'gameday')
    .option('--messages <n>', 'override the number of messages')
    .action(async (options: { databaseUrl: string; preset: string; messages?: string }) => {
      const problems: string[] = [];
      if (!/^postgres(ql)?:\/\//.test(options.databaseUrl)) {
        problems.push('--database-url: expected a postgresql:// URL');
      }
      if (!isSeedPreset(options.preset)) {
        problems.push(
          `--preset: unknown preset "${options.preset}"; use ${Object.keys(SEED_PRESETS).join(' or ')}`,
        );
      }
      const messages = options.messages === undefined ? undefined : Number(options.messages);
      if (messages !== undefined && (!Number.isInteger(messages) || messages < 0)) {
        problems.push(`--messages: expected a whole number, got "${options.messages}"`);
      }
      if (problems.length > 0) throw new InputError(problems);
      const size = {
        ...SEED_PRESETS[options.preset as SeedPreset],
        ...(messages === undefined ? {} : { messages }),
      };
      const client = new pg.Client({ connectionString: options.databaseUrl, connectionTimeoutMillis: 5_000 });
      try {
        await client.connect();
      } catch (error) {
        throw new StackUnavailableError(`cannot connect to --database-url: ${(error as Error).message}`, {
          cause: error,
        });
      }
      try {
        const started = performance.now();
        await applySchema(client);
        await seed(client, size);
        process.stdout.write(
          `seeded ${size.users} users, ${size.conversations} conversations, ${size.messages} messages in ${((performance.now() - started) / 1000).toFixed(1)} s\n`,
        );
      } finally {
        await client.end();
      }
    });
}
