import { GetExperimentCommand, StopExperimentCommand } from '@aws-sdk/client-fis';
import { StackUnavailableError } from '../../core/errors.ts';
import { sleep } from '../../core/wait.ts';
import { orphanedLedgers, settleLeftover } from '../../stack/fault-ledger.ts';
import { answered, connectFis } from './fis-connection.ts';
import { activeExperiments, isFisRecord, TERMINAL_EXPERIMENT_STATES } from './fis-faults.ts';

/** How long a stopped experiment may take to undo its actions (FIS's own stops take tens of seconds). */
const STOPPED_WITHIN_MS = 5 * 60_000;

/**
 * A killed run may have left FIS experiments running: each one its ledger recorded is stopped here,
 * before anything else is touched (the next run calls this first, and so does `gameday cleanup`), and
 * its entry settled. An experiment on gameday's own endpoint died with the run that served it: nothing
 * of it runs on, and what its actions did to the stack is among that run's local faults in the same
 * ledger, reverted with them (the stack removed, or put back as new with its reset). Returns what was
 * done, a line each.
 */
export async function stopLeftoverExperiments(): Promise<string[]> {
  const lines: string[] = [];
  for (const ledger of await orphanedLedgers()) {
    for (const entry of ledger.entries) {
      if (entry.state === 'reverted' || !isFisRecord(entry.recorded)) continue;
      const record = entry.recorded;
      const { fis } = record;
      const which = fis.experimentId ?? `of template ${fis.experimentTemplateId}`;
      const what = `FIS experiment ${which} ("${entry.description}", run ${ledger.runId})`;
      const connection = await connectFis(
        fis.local
          ? { kind: 'local', url: fis.endpoint }
          : {
              kind: 'aws',
              region: fis.region,
              ...(fis.endpoint === 'aws' ? {} : { endpoint: fis.endpoint }),
            },
      );
      try {
        const active = await activeExperiments(connection.client, record);
        for (const id of active) {
          await connection.client.send(new StopExperimentCommand({ id }));
          const status = await untilEnded(() =>
            connection.client.send(new GetExperimentCommand({ id })).then((r) => r.experiment?.state),
          );
          lines.push(`${what}: stopped at ${fis.endpoint} (${status})`);
        }
        if (active.length === 0) lines.push(`${what}: had already ended at ${fis.endpoint}`);
        await settleLeftover(ledger.path, entry.id, 'reverted');
      } catch (error) {
        if (fis.local) {
          // Whatever answers at that port now is not the endpoint that ran it: that one died with its run.
          lines.push(
            `${what}: gameday's endpoint ${fis.endpoint} died with that run, and the experiment with it (nothing of it runs on); what its actions did to the stack is reverted with that run's other faults`,
          );
          await settleLeftover(ledger.path, entry.id, 'reverted');
        } else if (!answered(error)) {
          throw new StackUnavailableError(
            `a killed run left ${what} at ${fis.endpoint === 'aws' ? `AWS FIS in ${fis.region}` : fis.endpoint}, which does not answer (${(error as Error).message}); nothing else was touched. Stop it yourself: aws fis stop-experiment --id ${fis.experimentId ?? '<id>'} --region ${fis.region}`,
            { cause: error },
          );
        } else if ((error as Error).name === 'ResourceNotFoundException') {
          lines.push(`${what}: no longer exists at ${fis.endpoint}`);
          await settleLeftover(ledger.path, entry.id, 'reverted');
        } else {
          throw error;
        }
      } finally {
        connection.client.destroy();
      }
    }
  }
  return lines;
}

async function untilEnded(
  read: () => Promise<{ status?: string; reason?: string } | undefined>,
): Promise<string> {
  const deadline = Date.now() + STOPPED_WITHIN_MS;
  for (;;) {
    const state = await read();
    if (TERMINAL_EXPERIMENT_STATES.has(state?.status ?? ''))
      return `${state?.status}${state?.reason ? `: ${state.reason}` : ''}`;
    if (Date.now() > deadline)
      throw new Error(`the experiment was still ${state?.status} after ${STOPPED_WITHIN_MS} ms`);
    await sleep(500);
  }
}
