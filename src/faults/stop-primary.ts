import { z } from 'zod';
import type { Stack } from '../stack/stack.ts';
import { defineFaultKind } from './fault.ts';

/** A primary runs again, or the replica took over (then the old one stays down on purpose). */
async function primaryBack(stack: Stack): Promise<string | undefined> {
  return stack.database.primaryRunning() ||
    stack.database.adminUrl() !== stack.endpoints.database.primaryAdminUrl
    ? undefined
    : 'no primary database is running';
}

/**
 * The primary database goes down (runbook 4). `fast` is a clean stop (what a managed database's reboot
 * or failover does: every WAL record reaches the replica first); `immediate` is a crash.
 */
export const stopPrimary = defineFaultKind({
  kind: 'stop-primary',
  params: z.object({ mode: z.enum(['fast', 'immediate']).default('fast') }).strict(),
  requires: ['database-lifecycle'],
  describe: ({ mode }) => `stop the primary database (${mode === 'fast' ? 'clean stop' : 'crash'})`,
  reverted: (_, stack) => primaryBack(stack),
  async inject({ mode }, { stack, note, evidence }, registerUndo) {
    await registerUndo(
      async () => {
        // Once the replica is the primary, starting the old one would split the brain: leave it down.
        if (stack.database.adminUrl() !== stack.endpoints.database.primaryAdminUrl) {
          note(
            'the replica was promoted: the old primary stays down (the stack is discarded after this scenario)',
          );
          return;
        }
        if (!stack.database.primaryRunning()) await stack.database.startPrimary();
      },
      undefined,
      () => primaryBack(stack),
    );
    await stack.database.stopPrimary(mode);
    // What shows it: a connection attempt refused, or cut off as the server shuts down.
    evidence?.(
      [/ECONNREFUSED|connection refused|shutting down|terminating connection|Connection terminated/i],
      'the primary refuses connections (it is down)',
    );
  },
});
