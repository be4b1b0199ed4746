import { httpRequest } from '../core/http-client.ts';
import type { Stack } from '../stack/stack.ts';

/** What one backend replica says about itself (its admin info), as a step's effect is judged by it. */
export interface ReplicaState {
  name: string;
  revision: number;
  ready: boolean;
  release?: string;
  breaker?: string;
  pool?: { max: number; total: number; idle: number };
  flags?: Record<string, boolean>;
  /** Why it said nothing (not answering, no admin endpoint). */
  error?: string;
}

interface AdminInfo {
  release: string;
  breaker: string;
  pool: { max: number; total: number; idle: number };
  flags: Record<string, boolean>;
}

/**
 * Every replica asked directly (not through the front, which answers from one of them): the place to
 * see whether a change reached all of them, since breakers, pools and flags live in each replica.
 */
export async function replicaStates(stack: Stack): Promise<ReplicaState[]> {
  return Promise.all(
    stack.backend.replicas().map(async (replica): Promise<ReplicaState> => {
      const base = { name: replica.name, revision: replica.revision, ready: replica.ready };
      try {
        const response = await httpRequest<AdminInfo>(`${replica.url}/admin/info`, {
          token: stack.secrets.adminToken,
          timeoutMs: 3_000,
        });
        if (response.status !== 200) return { ...base, error: `/admin/info answered ${response.status}` };
        const { release, breaker, pool, flags } = response.body;
        return { ...base, release, breaker, pool, flags };
      } catch (error) {
        return { ...base, error: (error as Error).message };
      }
    }),
  );
}

/** "chat-backend-1: max 2, 2 open, 0 idle; …": the pools a connection-pool label should have shown. */
export function describePools(states: ReplicaState[]): string | undefined {
  const known = states.filter((state) => state.pool);
  if (known.length === 0) return undefined;
  return `the backend's own pools: ${known
    .map(
      (state) =>
        `${state.name} ${state.pool!.total} of max ${state.pool!.max} open, ${state.pool!.idle} idle`,
    )
    .join('; ')}`;
}
