import type { Command } from 'commander';
import { InputError } from '../core/errors.ts';
import { CHECKPOINTS, isCheckpoint } from '../responders/checkpoints.ts';
import { CTL_USAGE } from '../responders/ctl-verbs.ts';
import { describeStatus, type LiveStatus } from '../responders/live-status.ts';
import { callSession } from '../responders/session-client.ts';

/**
 * What responders run in their own terminals while `gameday run --mode gameday` is going:
 * `gameday ctl` (kubectl's verbs), `gameday mark` (checkpoints), `gameday status`, `gameday abort`.
 */
export function registerResponderCommands(program: Command): void {
  program
    .command('ctl')
    .description("kubectl's verbs on the running game day's stack (gameday ctl --help lists them)")
    .argument('[args...]')
    .allowUnknownOption()
    .helpOption(false)
    .action(async (args: string[]) => {
      if (args.length === 0 || args[0] === '--help' || args[0] === 'help') {
        process.stdout.write(`${CTL_USAGE}\n`);
        return;
      }
      const answer = await callSession('POST', '/ctl', { args });
      process.stdout.write(`${String(answer.output)}\n`);
    });

  program
    .command('mark')
    .description(`record a checkpoint: ${CHECKPOINTS.map((c) => c.id).join(', ')}`)
    .argument('<checkpoint>')
    .action(async (checkpoint: string) => {
      if (!isCheckpoint(checkpoint))
        throw new InputError([
          `checkpoint: expected one of ${CHECKPOINTS.map((c) => c.id).join(', ')}, got "${checkpoint}"`,
        ]);
      const answer = await callSession('POST', '/mark', { checkpoint });
      process.stdout.write(`${String(answer.message)}\n`);
    });

  program
    .command('status')
    .description("the running game day's scenario, fault, alert and time left")
    .option('--json', 'print the status as JSON')
    .action(async (flags: { json?: boolean }) => {
      const answer = await callSession('GET', '/status');
      const status = answer.status as LiveStatus | null;
      process.stdout.write(
        flags.json
          ? `${JSON.stringify(status)}\n`
          : `${status ? describeStatus(status).join('\n') : 'starting'}\n`,
      );
    });

  program
    .command('abort')
    .description('facilitator: stop the game day now; every fault is reverted')
    .argument('[reason...]')
    .action(async (reason: string[]) => {
      const answer = await callSession('POST', '/abort', { reason: reason.join(' ') });
      process.stdout.write(`${String(answer.message)}\n`);
    });
}
