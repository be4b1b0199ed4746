import { deployRelease } from './deploy-release.ts';
import { dropIndex } from './drop-index.ts';
import type { FaultKind } from './fault.ts';

/** Every fault kind a scenario can name in `fault.kind`. */
export const FAULT_KINDS: Record<string, FaultKind<Record<string, unknown>>> = Object.fromEntries(
  [deployRelease, dropIndex].map((kind) => [
    kind.kind,
    kind as unknown as FaultKind<Record<string, unknown>>,
  ]),
);
