import { Command, CommanderError } from 'commander';
import { GamedayError } from '../core/errors.ts';
import { redactSecrets } from '../core/redact.ts';
import { EXIT } from './exit-codes.ts';

type Register = (program: Command) => void;

/**
 * Each command's module, loaded only when that command runs: together they pull in the AWS SDK,
 * testcontainers, fastify and more, and loading all of them took 2.3 s of every start, paid by each of a
 * responder's `gameday status`, `mark` and `ctl` during a drill (and by CI's hundreds of CLI starts).
 */
const responder = async (): Promise<Register> =>
  (await import('./responder-commands.ts')).registerResponderCommands;
const COMMANDS: Record<string, () => Promise<Register>> = {
  run: async () => (await import('./run-command.ts')).registerRunCommand,
  plan: async () => (await import('./plan-command.ts')).registerPlanCommand,
  list: async () => (await import('./list-command.ts')).registerListCommand,
  stack: async () => (await import('./stack-command.ts')).registerStackCommand,
  cleanup: async () => (await import('./cleanup-command.ts')).registerCleanupCommand,
  export: async () => (await import('./export-command.ts')).registerExportCommand,
  seed: async () => (await import('./seed-command.ts')).registerSeedCommand,
  runbook: async () => (await import('./runbook-command.ts')).registerRunbookCommand,
  images: async () => (await import('./images-command.ts')).registerImagesCommand,
  ctl: responder,
  mark: responder,
  reveal: responder,
  next: responder,
  status: responder,
  abort: responder,
};

/** The named command's module, or every one (for the overall help, --version, a mistyped command). */
async function commandsFor(name: string | undefined): Promise<Register[]> {
  const load = name === undefined ? undefined : COMMANDS[name];
  if (load) return [await load()];
  return Promise.all([...new Set(Object.values(COMMANDS))].map((each) => each()));
}

/** Runs the CLI with the given arguments and returns the exit code (see the README for the contract). */
export async function main(argv: string[]): Promise<number> {
  const program = new Command('gameday')
    .description(
      'Chaos and game-day harness: inject real failures, prove the alert fires and the runbook works.',
    )
    .version(process.env.npm_package_version ?? '0.1.0')
    .exitOverride()
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ writeErr: (text) => process.stderr.write(text) });
  for (const register of await commandsFor(argv[0])) register(program);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end here with code 0; usage errors were already printed.
      return error.exitCode === 0 ? 0 : 2;
    }
    if (error instanceof GamedayError) {
      process.stderr.write(`gameday: ${redactSecrets(error.message)}\n`);
      return error.exitCode;
    }
    // gameday's own fault, not a finding: its own exit code, so CI can tell a crash from a failed scenario.
    process.stderr.write(
      `gameday: internal error (please report it): ${redactSecrets((error as Error).stack ?? String(error))}\n`,
    );
    return EXIT.internal;
  }
}
