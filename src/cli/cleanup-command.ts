import fs from 'node:fs/promises';
import type { Command } from 'commander';
import { stopLeftoverExperiments } from '../faults/fis/leftover-experiments.ts';
import { cleanupLeftovers, stackRegistry } from '../stack/embedded/stack-registry.ts';
import { readExternalConfig } from '../stack/external/external-config.ts';
import { ExternalStack } from '../stack/external/external-stack.ts';
import { orphanedLedgers, removeUnneededSavedDamage } from '../stack/fault-ledger.ts';

/**
 * `gameday cleanup`: what a killed run left behind. FIS experiments it left running are stopped
 * first, before anything else is touched. Leftover stacks (their processes or containers) are stopped and deleted,
 * which also undoes every fault injected into them. An external stack given with --stack-config is put
 * back as new with its reset command; faults recorded against any other stack that still runs are
 * listed for a person to revert. Rows a fault saved to undo itself go once no fault needs them.
 */
export function registerCleanupCommand(program: Command): void {
  program
    .command('cleanup')
    .description('remove what a killed run left behind (stacks, and the faults injected into them)')
    .option('--stack-config <file>', 'an external stack to put back as new if a killed run left faults in it')
    .action(async (options: { stackConfig?: string }) => {
      let actions = 0;
      for (const line of await stopLeftoverExperiments()) {
        actions += 1;
        process.stdout.write(`${line}\n`);
      }
      if (options.stackConfig) {
        const config = await readExternalConfig(options.stackConfig);
        actions += await ExternalStack.recoverLeftovers(config, (line) => process.stdout.write(`${line}\n`));
      }
      for (const report of await cleanupLeftovers()) {
        actions += 1;
        process.stdout.write(
          `removed leftover stack ${report.stack}: stopped ${report.stopped.join(', ') || 'nothing'}; deleted ${report.removed.join(', ') || 'nothing'}\n`,
        );
      }
      const running = new Set((await stackRegistry.running()).map((record) => record.id));
      for (const ledger of await orphanedLedgers()) {
        const open = ledger.entries.filter((entry) => entry.state !== 'reverted');
        if (ledger.stack.kind !== 'external' && !running.has(ledger.stack.id)) {
          for (const entry of open) {
            actions += 1;
            process.stdout.write(
              `fault "${entry.description}" of run ${ledger.runId}: reverted (its stack ${ledger.stack.id} was removed)\n`,
            );
          }
          await fs.rm(ledger.path, { force: true });
        } else {
          for (const entry of open) {
            actions += 1;
            process.stdout.write(
              `fault "${entry.description}" of run ${ledger.runId} is still active on stack ${ledger.stack.id}: revert it by hand (${JSON.stringify(entry.recorded ?? entry.params)})${ledger.stack.config ? `, or put the stack back as new: gameday cleanup --stack-config ${ledger.stack.config}` : ''}\n`,
            );
          }
        }
      }
      // The rows a killed run's fault saved, once no ledger needs them (its stack went with the damage).
      for (const file of await removeUnneededSavedDamage()) {
        actions += 1;
        process.stdout.write(`deleted ${file}: no fault left to undo with it\n`);
      }
      if (actions === 0) process.stdout.write('nothing to clean up\n');
    });
}
