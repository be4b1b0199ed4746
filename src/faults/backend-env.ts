import { z } from 'zod';
import { ownEntry } from '../core/own-entry.ts';
import { defineFaultKind } from './fault.ts';

/** A bad configuration rolled out to the backend (e.g. a tiny DATABASE_POOL_MAX). */
export const backendEnv = defineFaultKind({
  kind: 'backend-env',
  params: z.object({ env: z.record(z.string(), z.string()) }).strict(),
  requires: ['rollout'],
  describe: ({ env }) =>
    `roll out ${Object.entries(env)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ')}`,
  async inject({ env }, { stack }, registerUndo) {
    const before = stack.backend.history().at(-1)!.env;
    const previous = Object.fromEntries(
      Object.keys(env).map((name) => [name, ownEntry(before, name) ?? null]),
    );
    const differing = () => {
      const current = stack.backend.history().at(-1)!.env;
      return Object.keys(env).filter((name) => (ownEntry(current, name) ?? null) !== previous[name]);
    };
    await registerUndo(
      async () => {
        if (differing().length > 0) await stack.backend.setEnv(previous);
      },
      { previous },
      async () => (differing().length > 0 ? `still set: ${differing().join(', ')}` : undefined),
    );
    await stack.backend.setEnv(env);
  },
});
