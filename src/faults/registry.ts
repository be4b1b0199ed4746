import { authAttack } from './auth-attack.ts';
import { backendEnv } from './backend-env.ts';
import { badCleanupJob } from './bad-cleanup-job.ts';
import { connectionLeak } from './connection-leak.ts';
import { deployRelease } from './deploy-release.ts';
import { dropIndex } from './drop-index.ts';
import type { FaultKind } from './fault.ts';
import { freezePrimary } from './freeze-primary.ts';
import { holdLock } from './hold-lock.ts';
import { proxyBlip, proxyDown, proxyToxic } from './proxy-faults.ts';
import { runawayQuery } from './runaway-query.ts';
import { socketStorm } from './socket-storm.ts';
import { stopPrimary } from './stop-primary.ts';

/** Every fault kind a scenario can name in `fault.kind`. */
export const FAULT_KINDS: Record<string, FaultKind<Record<string, unknown>>> = Object.fromEntries(
  [
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
    socketStorm,
    runawayQuery,
    badCleanupJob,
    connectionLeak,
  ].map((kind) => [kind.kind, kind as unknown as FaultKind<Record<string, unknown>>]),
);
