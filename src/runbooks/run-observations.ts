import type { Stack } from '../stack/stack.ts';
import type { AlertTrigger } from './alert-trigger.ts';
import type { RunbookStep } from './steps.ts';
import type { StepVerdict } from './verdicts.ts';

/** The shell steps that only look (curl a health endpoint, grep the metrics or the logs, get pods). */
const OBSERVATIONS = new Set([
  'health-check',
  'metrics',
  'logs',
  'rollout-history',
  'rollout-status',
  'get-pods',
]);

export function isObservation(step: RunbookStep): boolean {
  return step.kind === 'shell' && step.action !== undefined && OBSERVATIONS.has(step.action);
}

/** `… | grep "Circuit breaker"` → the pattern grep is given (a fixed string or a basic regex). */
function grepPattern(command: string): RegExp | undefined {
  const match = /\|\s*grep\s+(?:-\w+\s+)*(?:"([^"]*)"|'([^']*)'|([^\s|]+))/.exec(command);
  const pattern = match && (match[1] ?? match[2] ?? match[3]);
  if (!pattern) return undefined;
  try {
    return new RegExp(pattern);
  } catch {
    return new RegExp(pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  }
}

function urlPath(command: string): string | undefined {
  const match = /https?:\/\/[^\s/"']+(\/[^\s"'|]*)?/.exec(command);
  return match ? (match[1] ?? '/') : undefined;
}

const excerpt = (text: string) => text.replace(/\s+/g, ' ').trim().slice(0, 120);

async function fetchText(url: string): Promise<{ status: number; text: string }> {
  const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
  return { status: response.status, text: await response.text() };
}

/** Lines that match the step's grep, or all of them when it has none. */
function grepped(step: RunbookStep, lines: string[]): { pattern?: RegExp; matching: string[] } {
  const pattern = grepPattern(step.text);
  return { pattern, matching: pattern ? lines.filter((line) => pattern.test(line)) : lines };
}

/**
 * Carries out a runbook's looking-only shell step on the live stack, as the responder would on
 * Kubernetes, and judges it: an endpoint that does not exist is broken; a grep of the metrics or the
 * logs that matches nothing during the fault is inaccurate (the name or message it looks for is not
 * what the system says).
 */
export async function observe(stack: Stack, step: RunbookStep): Promise<StepVerdict> {
  const base = { line: step.line, step: step.text };
  try {
    switch (step.action) {
      case 'health-check': {
        const path = urlPath(step.text) ?? '/';
        const { status, text } = await fetchText(`${stack.endpoints.frontUrl}${path}`);
        const expected = `${path} answers`;
        return status === 404
          ? { ...base, status: 'broken', expected, seen: `${path} does not exist (404)` }
          : { ...base, status: 'ok', expected, seen: `answered ${status}: ${excerpt(text)}` };
      }
      case 'metrics': {
        const replica = stack.backend.replicas()[0];
        const { text } = await fetchText(`${replica?.url ?? stack.endpoints.frontUrl}/metrics`);
        return judgeGrep(base, 'the metrics', grepped(step, text.split('\n')));
      }
      case 'logs':
        return judgeGrep(base, 'the backend logs', grepped(step, stack.backend.logs({ tail: 5_000 })));
      case 'rollout-history': {
        const history = stack.backend.history().slice(-5);
        const seen = history.map((r) => `${r.revision} ${r.release} (${r.changeCause})`).join('; ');
        return { ...base, status: 'ok', expected: 'the recent revisions', seen };
      }
      default: {
        const replicas = stack.backend.replicas();
        const seen = replicas
          .map((r) => `${r.name} ${r.ready ? 'ready' : 'not ready'} ${r.release}`)
          .join('; ');
        return { ...base, status: 'ok', expected: 'the replicas and their state', seen };
      }
    }
  } catch (error) {
    return { ...base, status: 'broken', expected: 'an answer', seen: (error as Error).message };
  }
}

function judgeGrep(
  base: Pick<StepVerdict, 'line' | 'step'>,
  where: string,
  { pattern, matching }: { pattern?: RegExp; matching: string[] },
): StepVerdict {
  const expected = pattern ? `lines of ${where} matching ${pattern.source}` : where;
  return matching.length > 0
    ? { ...base, status: 'ok', expected, seen: `${matching.length} line(s), e.g. ${excerpt(matching[0]!)}` }
    : { ...base, status: 'inaccurate', expected, seen: `no line of ${where} matches during the fault` };
}

/** The alert trigger's metric must be one the live backend exports, or the alert can never fire. */
export async function observeAlertMetric(
  stack: Stack,
  alert: AlertTrigger,
): Promise<StepVerdict | undefined> {
  if (!alert.metric) return undefined;
  const replica = stack.backend.replicas()[0];
  const { text } = await fetchText(`${replica?.url ?? stack.endpoints.frontUrl}/metrics`);
  const samples = text.split('\n').filter((line) => line.startsWith(alert.metric!) && !line.startsWith('#'));
  const at = alert.lines.findIndex((line) => /^\s*metrics?\s*:/i.test(line));
  const base = {
    line: alert.line + Math.max(at, 0),
    step: `Metrics: ${alert.metricSelector ?? alert.metric}`,
    expected: `the backend exports ${alert.metric}`,
  };
  return samples.length > 0
    ? { ...base, status: 'ok', seen: `${samples.length} sample(s), e.g. ${excerpt(samples[0]!)}` }
    : { ...base, status: 'inaccurate', seen: `the live backend exports no ${alert.metric}` };
}
