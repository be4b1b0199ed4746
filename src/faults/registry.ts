import type { ParamsInput } from '../core/params-input.ts';
import { authAttack } from './auth-attack.ts';
import { backendEnv } from './backend-env.ts';
import { badCleanupJob } from './bad-cleanup-job.ts';
import { connectionLeak } from './connection-leak.ts';
import { deployRelease } from './deploy-release.ts';
import { dropIndex } from './drop-index.ts';
import type { FaultKind } from './fault.ts';
import { freezePrimary } from './freeze-primary.ts';
import { holdLock } from './hold-lock.ts';
import { killReplica } from './kill-replica.ts';
import { partitionPrimary } from './partition-primary.ts';
import { proxyBlip, proxyDown, proxyToxic } from './proxy-faults.ts';
import { runawayQuery } from './runaway-query.ts';
import { socketStorm } from './socket-storm.ts';
import { stopPrimary } from './stop-primary.ts';

const KINDS = [
  deployRelease,
  dropIndex,
  proxyDown,
  proxyBlip,
  proxyToxic,
  authAttack,
  holdLock,
  backendEnv,
  stopPrimary,
  freezePrimary,
  partitionPrimary,
  socketStorm,
  runawayQuery,
  badCleanupJob,
  connectionLeak,
  killReplica,
] as const;

type Kinds = (typeof KINDS)[number];
export type FaultKindName = Kinds['kind'];

/** A fault as a scenario writes it: a kind and that kind's parameters, checked by the compiler. */
export type FaultSpec = {
  [K in Kinds as K['kind']]: { kind: K['kind'] } & ParamsInput<K['params']>;
}[FaultKindName];

/** Every fault kind a scenario can name in `fault.kind`, looked up by name once a scenario is validated. */
export const FAULT_KINDS: Record<string, FaultKind<Record<string, unknown>>> = Object.fromEntries(
  KINDS.map((kind) => [kind.kind, kind as unknown as FaultKind<Record<string, unknown>>]),
);
