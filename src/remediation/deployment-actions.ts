import { z } from 'zod';
import type { Stack } from '../stack/stack.ts';
import { defineAction } from './action.ts';

/** `kubectl rollout undo` (runbook 1's rollback procedure). */
export const rollback = defineAction({
  action: 'rollback',
  looksLike: /\brollout\s+undo\b/,
  params: z.object({ toRevision: z.number().int().positive().optional() }).strict(),
  requires: ['rollout'],
  describe: ({ toRevision }) =>
    toRevision ? `roll back to revision ${toRevision}` : 'roll back to the previous revision',
  async run({ toRevision }, { stack }) {
    const revision = await stack.backend.undo(toRevision);
    return `rolled out revision ${revision.revision} (release ${revision.release})`;
  },
});

/** `kubectl set env` (a rolling restart with the new values). */
export const setEnv = defineAction({
  action: 'set-env',
  looksLike: /\bset\s+env\b/,
  params: z.object({ env: z.record(z.string(), z.string().nullable()) }).strict(),
  requires: ['rollout'],
  describe: ({ env }) =>
    `set env ${Object.entries(env)
      .map(([k, v]) => `${k}=${v ?? '(unset)'}`)
      .join(' ')}`,
  async run({ env }, { stack }) {
    const revision = await stack.backend.setEnv(env);
    return `rolled out revision ${revision.revision}`;
  },
});

/** Open connections per replica at the front, the runbook's "connections per pod (should be ~equal)". */
async function spread(stack: Stack): Promise<string> {
  const backends = await stack.backend.connectionSpread().catch(() => []);
  return `connections per replica: ${backends.map((b) => `${b.name} ${b.active}`).join(', ') || 'unknown'}`;
}

/** `kubectl scale --replicas=N`. */
export const scale = defineAction({
  action: 'scale',
  looksLike: /\bscale\b.*--replicas\b/,
  params: z.object({ replicas: z.number().int().min(1) }).strict(),
  requires: ['scale'],
  describe: ({ replicas }) => `scale to ${replicas} replicas`,
  async run({ replicas }, { stack }) {
    await stack.backend.scale(replicas);
    return `${stack.backend.replicas().filter((r) => r.ready).length} replicas ready; ${await spread(stack)}`;
  },
});

/** `kubectl rollout restart`. */
export const restart = defineAction({
  action: 'restart',
  looksLike: /\brollout\s+restart\b/,
  params: z.object({}).strict(),
  requires: ['rollout'],
  describe: () => 'rolling restart',
  async run(_, { stack }) {
    const revision = await stack.backend.restart();
    return `rolled out revision ${revision.revision}; ${await spread(stack)}`;
  },
});
