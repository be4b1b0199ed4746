import type { Stack } from '../stack/stack.ts';
import type { AlertTrigger } from './alert-trigger.ts';
import { judged, type StepVerdict } from './verdicts.ts';

const excerpt = (text: string) => text.replace(/\s+/g, ' ').trim().slice(0, 120);

async function fetchText(url: string): Promise<{ status: number; text: string }> {
  const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
  return { status: response.status, text: await response.text() };
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
    ? judged(base, 'shows-fault', 'ok', `${samples.length} sample(s), e.g. ${excerpt(samples[0]!)}`)
    : judged(base, 'shows-fault', 'inaccurate', `the live backend exports no ${alert.metric}`);
}
