import { z } from 'zod';
import type { Clock } from '../core/clock.ts';
import { ms } from '../core/duration.ts';
import { formatMs } from '../core/format.ts';
import type { RevisionInfo, Stack } from '../stack/stack.ts';

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

/**
 * The deploy behind the release running now: the revision that first brought that release to the
 * deployment, or none when it ran from the start. A rollback to an old release is no deploy (rolling
 * back from it would bring back what was just rolled away from), and neither is a change of settings.
 */
export function runningReleaseDeploy(history: RevisionInfo[]): RevisionInfo | undefined {
  const running = history.at(-1)?.release;
  const first = history.findIndex((revision) => revision.release === running);
  return first > 0 ? history[first] : undefined;
}

/** "Check recent deployments": was a release rolled out within `within` (runbook time)? */
const recentDeploy = {
  question: 'recent-deploy' as const,
  params: z
    .object({ within: z.string().refine((v) => /^\d+(ms|s|m|h)$/.test(v), 'expected a duration like "30m"') })
    .strict(),
  async decide({ within }: { within: string }, { stack, clock }: DecisionContext): Promise<DecisionOutcome> {
    const window = clock.scaled(ms(within));
    const history = stack.backend.history();
    const deploy = runningReleaseDeploy(history);
    const recent = deploy && clock.now() - Date.parse(deploy.createdAt) <= window ? deploy : undefined;
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

/** A decision point as a scenario writes it: `{ action: 'decide', question, …its parameters }`. */
export type DecisionSpec = { action: 'decide'; question: typeof recentDeploy.question } & z.input<
  typeof recentDeploy.params
>;

export const DECISIONS: Record<string, DecisionPoint<Record<string, unknown>>> = {
  [recentDeploy.question]: recentDeploy as unknown as DecisionPoint<Record<string, unknown>>,
};
