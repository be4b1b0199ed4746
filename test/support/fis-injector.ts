/**
 * A test device: a process that injects one fault through FIS the way `gameday run --faults fis`
 * does (ledger on disk, undo registered before StartExperiment) and then waits, to be killed with
 * SIGKILL in mid-experiment. Its FIS endpoint is given as a URL, like AWS's: it outlives this process.
 * Environment: GAMEDAY_STATE_DIR, FIS_URL, FIS_TEMPLATE_ID, AWS credentials (any).
 */

import { Clock } from '../../src/core/clock.ts';
import { connectFis } from '../../src/faults/fis/fis-connection.ts';
import { FisFaults } from '../../src/faults/fis/fis-faults.ts';
import { FaultLedger } from '../../src/stack/fault-ledger.ts';
import { FakeStack } from './fakes/fake-stack.ts';

const ledger = await FaultLedger.open('killed-fis-run', { kind: 'embedded', id: 'stack-of-killed-fis-run' });
const faults = new FisFaults({
  connection: await connectFis({ kind: 'aws', endpoint: process.env.FIS_URL!, region: 'eu-west-1' }),
  templateFor: () => ({ templateId: process.env.FIS_TEMPLATE_ID!, scenario: 'slow-database' }),
});
const fault = {
  kind: 'proxy-toxic',
  params: {
    proxy: 'database',
    type: 'latency',
    stream: 'downstream',
    toxicity: 1,
    attributes: { latency: 500 },
  },
  description: 'latency toxic on the database (downstream, latency=500)',
};
await faults.inject(
  fault,
  {
    stack: new FakeStack({ clock: new Clock() }),
    note: () => undefined,
    experiment: ({ detail }) => process.stdout.write(`${detail}\n`),
  },
  async (_undo, recorded) => {
    const id = await ledger.register({
      scenario: 'slow-database',
      kind: fault.kind,
      description: fault.description,
      params: fault.params,
      recorded,
    });
    return { update: (changes) => ledger.update(id, changes) };
  },
);
process.stdout.write('in place\n');
// Alive until killed (a pending promise alone would let the process end).
setInterval(() => undefined, 60_000);
