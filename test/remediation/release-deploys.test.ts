import { describe, expect, it } from 'vitest';
import { runningReleaseDeploy } from '../../src/remediation/decisions.ts';
import type { RevisionInfo } from '../../src/stack/stack.ts';

const revision = (n: number, release: string, changeCause = 'deploy'): RevisionInfo => ({
  revision: n,
  release,
  env: {},
  changeCause,
  createdAt: new Date(n * 1000).toISOString(),
});

describe('the deploy behind the running release ("check recent deployments")', () => {
  it('is the revision that brought the release, settings changes after it notwithstanding', () => {
    const history = [revision(1, '1.4.2'), revision(2, '1.5.0'), revision(3, '1.5.0', 'set env')];
    expect(runningReleaseDeploy(history)?.revision).toBe(2);
  });

  it('is none after a rollback to the release that ran before, so the next incident does not undo it', () => {
    const history = [
      revision(1, '1.4.2'),
      revision(2, '1.5.0'),
      revision(3, '1.4.2', 'rollback to revision 1'),
    ];
    expect(runningReleaseDeploy(history)).toBeUndefined();
  });

  it('is none for a deployment as started, or only reconfigured', () => {
    expect(runningReleaseDeploy([revision(1, '1.4.2')])).toBeUndefined();
    expect(runningReleaseDeploy([revision(1, '1.4.2'), revision(2, '1.4.2', 'set env')])).toBeUndefined();
  });
});
