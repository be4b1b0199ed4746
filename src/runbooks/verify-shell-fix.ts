import { formatMs } from '../core/format.ts';
import { judgeShellRun } from './judge-shell.ts';
import { effectOnReplicas } from './replica-effect.ts';
import { runAsWritten, type ToolCall } from './run-shell.ts';
import { planShellCommand } from './shell-command.ts';
import type { RunbookStep } from './steps.ts';
import type { Judgement, WhatWorked } from './verdicts.ts';
import type { PendingFix, VerifyContext } from './verify-context.ts';
import { EXPECTED_FIX } from './verify-settings.ts';

/** The stack's tools a command used, for the report: "the stack's kubectl". */
function describeTools(calls: ToolCall[]): string {
  const tools = [...new Set(calls.map((call) => call.tool))];
  return tools.length > 0 ? `the stack's ${tools.join(', ')}` : 'the shell';
}

/** The substitutions made for this stack (a database URL, a namespace), said in the first judgement. */
export function withSubstitutions(judgements: Judgement[], substitutions: string[]): Judgement[] {
  if (substitutions.length === 0 || judgements.length === 0) return judgements;
  const [first, ...rest] = judgements;
  return [{ ...first!, observed: `${first!.observed} (here: ${substitutions.join('; ')})` }, ...rest];
}

/**
 * A fix command run as written (kubectl rollout undo, set env, a curl to an admin endpoint), then its
 * effect checked on every replica. Undefined when it is not the runbook's to run here (a person's
 * tool, a step that only looks, a scale to the runbook's own numbers, which the harness carries out
 * at the stack's scale). `didIt` false when it failed or did not reach every replica: the harness's
 * own action then finishes the job. `numbers`: the connection-budget judgement of the step, if any.
 */
export async function runShellFix(
  context: VerifyContext,
  step: RunbookStep,
  action: string,
  numbers: (step: RunbookStep) => Promise<{ judgement: Judgement; worked?: WhatWorked } | undefined>,
): Promise<PendingFix | undefined> {
  const plan = planShellCommand(step.text);
  if (plan.kind !== 'run' || plan.looks || action === 'scale') return undefined;
  const base = { line: step.line, step: step.text, expected: EXPECTED_FIX };
  const run = await runAsWritten(step.text, context.shell, {
    timeoutMs: context.fixDeadlineMs,
    looksOnly: false,
  });
  const failed = judgeShellRun(step, run, { evidence: [], moment: 'after-fix', own: true }).filter(
    (judgement) => judgement.status !== 'ok',
  );
  const output = run.stdout.trim().split('\n').at(-1) ?? '';
  const judgements = withSubstitutions(
    failed.length > 0
      ? failed
      : [
          {
            rule: 'runs',
            status: 'ok',
            observed: `ran as written through ${describeTools(run.calls)} in ${formatMs(run.durationMs)}${output ? `: ${output.slice(0, 100)}` : ''}`,
          },
        ],
    run.substitutions,
  );
  if (failed.some((judgement) => judgement.status === 'broken' || judgement.status === 'manual'))
    return { base, judgements, worked: [], didIt: false };
  const effect = await effectOnReplicas(context.stack, action, run.command, run.durationMs).catch(
    () => undefined,
  );
  if (effect) judgements.push(effect);
  const budget = await numbers(step);
  if (budget) judgements.push(budget.judgement);
  const worked: WhatWorked[] = budget?.worked ? [budget.worked] : [];
  // It ran, but did not reach every replica: the harness finishes the job, so the next step is tried.
  if (effect?.status === 'inaccurate') return { base, judgements, worked, didIt: false };
  return {
    base,
    judgements,
    worked: [{ kind: 'command', command: run.command, output: run.stdout.slice(0, 500) }, ...worked],
    didIt: true,
  };
}
