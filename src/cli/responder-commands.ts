import type { Command } from 'commander';
import { InputError } from '../core/errors.ts';
import { CHECKPOINTS, isCheckpoint } from '../responders/checkpoints.ts';
import { CTL_USAGE } from '../responders/ctl-verbs.ts';
import { describeStatus, type LiveStatus } from '../responders/live-status.ts';
import { callSession } from '../responders/session-client.ts';

/**
 * What responders run in their own terminals while `gameday run --mode gameday` is going:
 * `gameday ctl` (kubectl's verbs), `gameday mark` (checkpoints, the diagnosis), `gameday status`, and
 * the facilitator's `gameday abort`, `gameday reveal` and `gameday next`.
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
    .description(
      `record a checkpoint: ${CHECKPOINTS.map((c) => c.id).join(', ')}; root-cause "what you found" records your diagnosis`,
    )
    .argument('<checkpoint>')
    .argument('[words...]', 'with root-cause: the root cause as you would write it in the post-mortem')
    .action(async (checkpoint: string, words: string[]) => {
      const problems: string[] = [];
      if (!isCheckpoint(checkpoint))
        problems.push(
          `checkpoint: expected one of ${CHECKPOINTS.map((c) => c.id).join(', ')}, got "${checkpoint}"`,
        );
      if (words.length > 0 && checkpoint !== 'root-cause')
        problems.push(
          `${checkpoint}: takes no words; only root-cause does (gameday mark root-cause "the index is missing")`,
        );
      if (problems.length > 0) throw new InputError(problems);
      const text = words.join(' ').trim();
      const answer = await callSession('POST', '/mark', { checkpoint, ...(text ? { text } : {}) });
      process.stdout.write(`${String(answer.message)}\n`);
    });

  program
    .command('reveal')
    .description('facilitator: name the scenario of a blind round now, to everyone')
    .action(async () => {
      const answer = await callSession('POST', '/reveal');
      process.stdout.write(`${(answer.answer as string[]).join('\n')}\n`);
    });

  program
    .command('next')
    .description('facilitator: start the next round of a game-day plan')
    .action(async () => {
      const answer = await callSession('POST', '/next');
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
