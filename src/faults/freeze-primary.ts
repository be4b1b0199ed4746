import { z } from 'zod';
import type { Stack } from '../stack/stack.ts';
import { defineFaultKind } from './fault.ts';

const thawed = async (stack: Stack) =>
  stack.database.primaryFrozen() ? 'the primary database is still frozen' : undefined;

/**
 * The primary database hangs (runbook 4's "database unreachable or overloaded"): every one of its
 * processes is frozen (`docker pause` on the containers stack, SIGSTOP on the embedded one), so
 * connections stay open and nothing answers. Unlike an outage, nothing is refused: clients learn
 * only when their own timeouts expire.
 */
export const freezePrimary = defineFaultKind({
  kind: 'freeze-primary',
  params: z.object({}).strict(),
  requires: ['database-freeze'],
  describe: () => 'freeze the primary database (connections open, nothing answers)',
  reverted: (_, stack) => thawed(stack),
  async inject(_, { stack, evidence }, registerUndo) {
    await registerUndo(
      async () => {
        // Once the replica is the primary, the old one must not take writes again: it is stopped while
        // still frozen ('immediate': killed where it stands). Thawed first, it would run the writes
        // queued on it, and the backend, not yet repointed when the failover was cut short (Ctrl-C
        // mid-remedy), would acknowledge them from a server that is then stopped and discarded.
        if (stack.database.adminUrl() !== stack.endpoints.database.primaryAdminUrl)
          await stack.database.stopPrimary('immediate');
        else await stack.database.thawPrimary();
      },
      undefined,
      () => thawed(stack),
    );
    await stack.database.freezePrimary();
    evidence?.(
      [/timeout|timed out|Connection terminated/i],
      'the primary answers nothing (frozen): a query waits until its own timeout',
    );
  },
});
