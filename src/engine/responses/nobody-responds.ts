import { detect } from '../phases/detect.ts';
import { recover } from '../phases/recover.ts';
import type { Response } from './response.ts';

/**
 * Nobody responds (`--skip-remedy`): a drill of "what if", and every scenario's negative twin, which
 * must end "not resolved". There is no late recovery worth waiting for: the target is the limit.
 */
export const nobodyResponds: Response = {
  mode: 'auto',
  recoveryNeedsRemedy: false,
  async prepare() {},
  async respond(run) {
    const undetected = await detect(run);
    if (undetected) return undetected;
    run.enter('remediating');
    run.note('remedy-skipped', 'nobody responds (--skip-remedy)');
    run.watch.responseEnds(run.clock.now(), false);
    const { resolveWithinMs } = run.resolved;
    const targetMs = resolveWithinMs === undefined ? 60_000 : run.scale(resolveWithinMs);
    return recover(run, run.injectedAt! + targetMs);
  },
};
