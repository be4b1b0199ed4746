import type { Stack } from '../stack/stack.ts';
import { type ReplicaState, replicaStates } from './replica-state.ts';
import type { Judgement } from './verdicts.ts';

/**
 * Whether a fix carried out by a command reached every replica that serves users, by what each says
 * of itself: a breaker reset sent through the front reaches one pod; a flag is announced to all; a
 * rollout replaces every pod with the new revision (and a new pool size is in each pool).
 */
export async function effectOnReplicas(
  stack: Stack,
  action: string,
  command: string,
  durationMs: number,
): Promise<Judgement | undefined> {
  const states = await replicaStates(stack);
  if (states.length === 0) return undefined;
  const count = states.length;
  const list = (some: ReplicaState[]) => some.map((state) => state.name).join(', ');
  if (action === 'reset-breaker') {
    const open = states.filter((state) => state.breaker && state.breaker !== 'closed');
    return open.length === 0
      ? { rule: 'effect', status: 'ok', observed: `the breaker is closed on all ${count} replicas` }
      : {
          rule: 'effect',
          status: 'inaccurate',
          observed: `the breaker is closed on ${count - open.length} of ${count} replicas: the request went through the front to one replica, and each replica has its own breaker (still ${open[0]!.breaker} on ${list(open)})`,
        };
  }
  const flag = /\/flags\/([\w-]+)\/(enable|disable)\b/.exec(command);
  if (flag && (action === 'disable-flag' || action === 'enable-flag')) {
    const wanted = flag[2] === 'enable';
    const wrong = states.filter((state) => state.flags?.[flag[1]!] !== wanted);
    return wrong.length === 0
      ? { rule: 'effect', status: 'ok', observed: `${flag[1]} is ${flag[2]}d on all ${count} replicas` }
      : {
          rule: 'effect',
          status: 'inaccurate',
          observed: `${flag[1]} is ${flag[2]}d on ${count - wrong.length} of ${count} replicas (not on ${list(wrong)})`,
        };
  }
  if (!['rollback', 'restart', 'set-env', 'repoint-database'].includes(action)) return undefined;
  const latest = Math.max(...stack.backend.history().map((revision) => revision.revision));
  const behind = states.filter((state) => !state.ready || state.revision !== latest);
  const rolled = `rolled out in ${(durationMs / 1000).toFixed(1)} s`;
  if (behind.length > 0)
    return {
      rule: 'effect',
      status: 'inaccurate',
      observed: `${count - behind.length} of ${count} replicas run revision ${latest} (${list(behind)} do not)`,
    };
  const pool = /\bDATABASE_POOL_MAX=(\d+)/.exec(command);
  if (pool) {
    const other = states.filter((state) => state.pool && state.pool.max !== Number(pool[1]));
    if (other.length > 0)
      return {
        rule: 'effect',
        status: 'inaccurate',
        observed: `revision ${latest} is out, but ${list(other)} still have a pool of ${other[0]!.pool!.max}, not ${pool[1]}`,
      };
    return {
      rule: 'effect',
      status: 'ok',
      observed: `every replica (${count}) runs revision ${latest} with a pool of ${pool[1]} (${rolled}: the pods restarted, so every pooled connection is new)`,
    };
  }
  return {
    rule: 'effect',
    status: 'ok',
    observed: `every replica (${count}) runs revision ${latest}${states[0]!.release ? ` (release ${states[0]!.release})` : ''}, ${rolled}`,
  };
}
