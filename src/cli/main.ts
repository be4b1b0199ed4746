import { Command, CommanderError } from 'commander';
import { GamedayError } from '../core/errors.ts';
import { redactSecrets } from '../core/redact.ts';
import { registerCleanupCommand } from './cleanup-command.ts';
import { registerExportCommand } from './export-command.ts';
import { registerImagesCommand } from './images-command.ts';
import { registerListCommand } from './list-command.ts';
import { registerPlanCommand } from './plan-command.ts';
import { registerResponderCommands } from './responder-commands.ts';
import { EXIT, registerRunCommand } from './run-command.ts';
import { registerRunbookCommand } from './runbook-command.ts';
import { registerSeedCommand } from './seed-command.ts';
import { registerStackCommand } from './stack-command.ts';

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
  registerRunCommand(program);
  registerPlanCommand(program);
  registerListCommand(program);
  registerStackCommand(program);
  registerCleanupCommand(program);
  registerExportCommand(program);
  registerSeedCommand(program);
  registerRunbookCommand(program);
  registerImagesCommand(program);
  registerResponderCommands(program);
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
