import { z } from 'zod';
import type { Clock } from '../core/clock.ts';
import { formatMs, ms } from '../core/duration.ts';
import type { Stack } from '../stack/stack.ts';

export interface DecisionContext {
  stack: Stack;
  clock: Clock;
}

export interface DecisionOutcome {
  answer: 'yes' | 'no';
  evidence: string;
}

/**
 * A runbook's decision point ("if deployed within the last 30 minutes → rollback"), answered from
 * the stack the way a responder would look it up, so the harness takes the branch a person would.
 */
export interface DecisionPoint<Params extends object = Record<string, unknown>> {
  question: string;
  params: z.ZodType<Params>;
  decide(params: Params, context: DecisionContext): Promise<DecisionOutcome>;
}

/** "Check recent deployments": was a release rolled out within `within` (runbook time)? */
const recentDeploy: DecisionPoint<{ within: string }> = {
  question: 'recent-deploy',
  params: z
    .object({ within: z.string().refine((v) => /^\d+(ms|s|m|h)$/.test(v), 'expected a duration like "30m"') })
    .strict(),
  async decide({ within }, { stack, clock }) {
    const window = clock.scaled(ms(within));
    const history = stack.backend.history();
    const deploys = history.filter((revision, i) => i > 0 && revision.release !== history[i - 1]!.release);
    const recent = deploys
      .filter((revision) => clock.now() - Date.parse(revision.createdAt) <= window)
      .at(-1);
    if (recent) {
      const age = clock.now() - Date.parse(recent.createdAt);
      return {
        answer: 'yes',
        evidence: `revision ${recent.revision} (release ${recent.release}) was deployed ${formatMs(age)} ago (${formatMs(clock.atRunbookScale(age))} at runbook scale), within ${within}`,
      };
    }
    return { answer: 'no', evidence: `no release was deployed within ${within} (${formatMs(window)} here)` };
  },
};

export const DECISIONS: Record<string, DecisionPoint<Record<string, unknown>>> = {
  [recentDeploy.question]: recentDeploy as unknown as DecisionPoint<Record<string, unknown>>,
};
