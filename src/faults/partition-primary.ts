import { z } from 'zod';
import { defineFaultKind } from './fault.ts';

/**
 * The primary database is cut off the network (runbook 4's "database unreachable"): a real partition,
 * `docker network disconnect`, so nothing reaches it and its name stops resolving; sessions already
 * open wait on packets that never arrive, new ones fail. Only a stack on its own bridge network can
 * do this (the testcontainers stack); the host-network stacks share one loopback and cannot.
 */
export const partitionPrimary = defineFaultKind({
  kind: 'partition-primary',
  params: z.object({}).strict(),
  requires: ['network-partition'],
  describe: () => 'cut the primary database off the network (docker network disconnect)',
  async inject(_, { stack, evidence }, registerUndo) {
    const network = stack.network;
    if (!network) throw new Error(`the ${stack.kind} stack has no network of its own to cut`);
    await registerUndo(
      async () => {
        // Once the replica is the primary, the old one must not take writes again: it is stopped
        // ('immediate') while still cut off. Reconnected first, it would carry out the writes queued
        // for it, answered to a backend not yet repointed (a failover cut short), then be discarded.
        if (stack.database.adminUrl() !== stack.endpoints.database.primaryAdminUrl)
          await stack.database.stopPrimary('immediate');
        if (!(await network.connected('primary'))) await network.reconnect('primary');
      },
      undefined,
      async () =>
        (await network.connected('primary'))
          ? undefined
          : "the primary database is still cut off the stack's network",
    );
    await network.disconnect('primary');
    evidence?.(
      [/timeout|timed out|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|Connection terminated/i],
      'the primary cannot be reached: its name no longer resolves, open sessions wait for nothing',
    );
  },
});
