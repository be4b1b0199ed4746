import { z } from 'zod';
import { defineFaultKind } from './fault.ts';

/** A bad deploy: the backend rolls out a release that really has a defect (runbook 1). */
export const deployRelease = defineFaultKind({
  kind: 'deploy-release',
  params: z.object({ release: z.string().min(1) }).strict(),
  requires: ['rollout'],
  describe: ({ release }) => `deploy release ${release} (rolling update)`,
  async inject({ release }, { stack, note, evidence }, registerUndo) {
    const original = stack.backend.history().at(-1)!;
    await registerUndo(
      async () => {
        const current = stack.backend.history().at(-1)!;
        if (current.release === original.release) return;
        await stack.backend.deploy(original.release, `gameday revert: back to release ${original.release}`);
      },
      { originalRelease: original.release },
      async () => {
        const current = stack.backend.history().at(-1)!.release;
        return current === original.release ? undefined : `the backend runs release ${current}`;
      },
    );
    note(`running release ${original.release} (revision ${original.revision}); deploying ${release}`);
    await stack.backend.deploy(release, `deploy release ${release}`);
    evidence?.([release], `release ${release}, the deploy that brought the fault`);
  },
});
