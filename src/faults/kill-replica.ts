import { z } from 'zod';
import { httpRequest } from '../core/http-client.ts';
import { waitUntil } from '../core/wait.ts';
import type { Stack } from '../stack/stack.ts';
import { defineFaultKind } from './fault.ts';

/** How long the deployment may take to bring a killed replica back (a restart with back-off). */
const REPLACED_WITHIN_MS = 60_000;
/** How long a killed replica may take to stop answering (SIGTERM: a graceful shutdown). */
const GONE_WITHIN_MS = 15_000;

const answers = async (url: string): Promise<boolean> =>
  (await httpRequest(`${url}/api/v1/health`, { timeoutMs: 1_000 }).catch(() => undefined))?.status === 200;

/** Every replica answers its health check again: what a deployment that replaced the killed one shows. */
async function allAnswer(stack: Stack): Promise<string | undefined> {
  const silent: string[] = [];
  for (const replica of stack.backend.replicas())
    if (!(await answers(replica.url))) silent.push(replica.name);
  return silent.length ? `backend replica(s) ${silent.join(', ')} not answering` : undefined;
}

/**
 * One backend replica dies (a crash, an OOM kill, ECS stopping a task, a deleted pod) and the
 * deployment brings it back, as ECS replaces a stopped task and Kubernetes a deleted pod. SIGKILL is a
 * crash; SIGTERM a graceful stop (what ECS's StopTask and a pod delete send first). The undo waits for
 * the replacement: the deployment does the work, the harness makes sure it happened.
 */
export const killReplica = defineFaultKind({
  kind: 'kill-replica',
  params: z
    .object({
      /** Which replica (by name); the first one when not given. */
      replica: z.string().min(1).optional(),
      signal: z.enum(['SIGKILL', 'SIGTERM']).default('SIGKILL'),
    })
    .strict(),
  requires: ['kill-replica'],
  describe: ({ replica, signal }) =>
    `kill backend replica ${replica ?? '(the first)'} with ${signal}; the deployment replaces it`,
  reverted: (_, stack) => allAnswer(stack),
  async inject({ replica, signal }, { stack, note }, registerUndo) {
    const replicas = stack.backend.replicas();
    const victim = replica ? replicas.find((r) => r.name === replica) : replicas[0];
    if (!victim)
      throw new Error(
        `no backend replica ${replica ?? ''} to kill (replicas: ${replicas.map((r) => r.name).join(', ') || 'none'})`,
      );
    await registerUndo(
      async () => {
        await waitUntil(async () => (await allAnswer(stack)) === undefined, {
          timeoutMs: REPLACED_WITHIN_MS,
          intervalMs: 200,
          what: `the deployment to replace ${victim.name}`,
        });
      },
      { replica: victim.name, signal },
      () => allAnswer(stack),
    );
    stack.backend.killReplica(victim.name, signal);
    // In place once the replica is really gone: its health check no longer answers.
    await waitUntil(async () => !(await answers(victim.url)), {
      timeoutMs: GONE_WITHIN_MS,
      intervalMs: 50,
      what: `${victim.name} to stop after ${signal}`,
    });
    note(`${victim.name} killed with ${signal}`);
  },
});
