import { formatMs } from '../core/format.ts';
import type { GameDayResult, ScenarioResult } from '../engine/result.ts';
import { escapeHtml } from './html-escape.ts';

/** A status (a scenario's, a runbook check's, a claim's verdict) as a coloured badge. */
export function badge(status: string): string {
  return `<span class="badge badge-${escapeHtml(status.replace(/\s+/g, '-'))}">${escapeHtml(status)}</span>`;
}

/** "measured / limit", red when over the limit; `atRunbookScale` adds the same at runbook scale. */
function versus(
  measured: number | null,
  limit: number | null,
  over: boolean,
  atRunbookScale: [number | null, number | null] | undefined,
): string {
  const text = (value: number | null) => (value === null ? '—' : formatMs(value));
  const wall = `<span class="${over ? 'over' : ''}">${text(measured)} / ${text(limit)}</span>`;
  if (!atRunbookScale) return wall;
  const [scaled, scaledLimit] = atRunbookScale;
  return `${wall}<div class="muted">runbook scale ${text(scaled)} / ${text(scaledLimit)}</div>`;
}

function detectionCell(scenario: ScenarioResult, timeScale: number): string {
  const { fired, timeToDetectMs, budgetMs, timeToDetectAtRunbookScaleMs } = scenario.detection;
  if (!fired || timeToDetectMs === null)
    return `<span class="over">not detected</span> / ${formatMs(budgetMs)}`;
  return versus(timeToDetectMs, budgetMs, timeToDetectMs > budgetMs, [
    timeToDetectAtRunbookScaleMs ?? null,
    budgetMs * timeScale,
  ]);
}

/**
 * Over target the way the harness judges it: remedy work (a rollout, an index build) is set aside,
 * except what ran while the alert's window cleared.
 */
function resolutionCell(scenario: ScenarioResult, timeScale: number): string {
  const {
    resolved,
    timeToResolveMs,
    targetMs,
    remedyWorkMs,
    remedyWorkWhileClearingMs,
    timeToResolveAtRunbookScaleMs,
  } = scenario.resolution;
  const target = targetMs === null ? '—' : formatMs(targetMs);
  if (!resolved || timeToResolveMs === null) return `<span class="over">not resolved</span> / ${target}`;
  const over = targetMs !== null && timeToResolveMs - remedyWorkMs > targetMs;
  const cell = versus(timeToResolveMs, targetMs, over, [
    timeToResolveAtRunbookScaleMs ?? null,
    targetMs === null ? null : targetMs * timeScale,
  ]);
  const counted = remedyWorkWhileClearingMs
    ? `, ${formatMs(remedyWorkWhileClearingMs)} more counted (the alert window cleared meanwhile)`
    : '';
  return remedyWorkMs > 0
    ? `${cell}<div class="muted">${formatMs(remedyWorkMs)} remedy work${counted}</div>`
    : cell;
}

/** "3 ok · 1 inaccurate": how many of each, in the order given, leaving out the zeros. */
function counts(values: string[], order: string[]): string {
  return order
    .map((status) => [status, values.filter((value) => value === status).length] as const)
    .filter(([, count]) => count > 0)
    .map(
      ([status, count]) =>
        `<span class="count count-${status.replace(/\s+/g, '-')}">${count} ${status}</span>`,
    )
    .join(' · ');
}

function accuracyCell(scenario: ScenarioResult): string {
  // Reports from before runbook checks and claims were recorded have neither field.
  const checks = (scenario.runbookChecks ?? []).map((check) => check.status);
  const claims = (scenario.claims ?? []).map((claim) => claim.verdict);
  const lines = [
    checks.length ? `steps: ${counts(checks, ['ok', 'inaccurate', 'broken', 'manual'])}` : '',
    claims.length ? `claims: ${counts(claims, ['holds', 'does not hold', 'not measured'])}` : '',
  ].filter(Boolean);
  return lines.length ? lines.map((line) => `<div>${line}</div>`).join('') : '<span class="muted">—</span>';
}

const SHORT_REASON = 140;

function reasonsCell(scenario: ScenarioResult): string {
  const [first, ...rest] = scenario.reasons;
  if (first === undefined) return '<span class="muted">—</span>';
  const short = first.length > SHORT_REASON ? `${first.slice(0, SHORT_REASON - 1)}…` : first;
  const more = rest.length ? ` <span class="muted">(+${rest.length} more)</span>` : '';
  return `<span title="${escapeHtml(scenario.reasons.join('\n'))}">${escapeHtml(short)}</span>${more}`;
}

/**
 * What tells a scenario's section and charts apart on the page: its id, or with rounds (a plan may play
 * one scenario twice) the round as well.
 */
export function sectionKey(scenario: ScenarioResult): string {
  return scenario.round ? `round-${scenario.round.number}-${scenario.id}` : scenario.id;
}

/** One row per scenario: did the alert fire in time, was it resolved in time, was the runbook right. */
export function scorecard(result: GameDayResult): string {
  const rows = result.scenarios.map(
    (scenario) => `<tr>
<td>${scenario.round ? `<div class="muted">round ${escapeHtml(scenario.round.number)}${scenario.round.blind ? ' (blind)' : ''}</div>` : ''}<a href="#scenario-${escapeHtml(sectionKey(scenario))}">${escapeHtml(scenario.id)}</a><div class="muted">${escapeHtml(scenario.title)}</div></td>
<td>${escapeHtml(scenario.runbook.number)}<div class="muted">${escapeHtml(scenario.runbook.title)}</div></td>
<td>${escapeHtml(scenario.severity)}</td>
<td>${badge(scenario.status)}</td>
<td>${detectionCell(scenario, result.timeScale)}</td>
<td>${resolutionCell(scenario, result.timeScale)}</td>
<td>${accuracyCell(scenario)}</td>
<td class="reasons">${reasonsCell(scenario)}</td>
</tr>`,
  );
  return `<table class="scorecard">
<thead><tr><th>Scenario</th><th>Runbook</th><th>Severity</th><th>Status</th><th>TTD / budget</th><th>TTR / target</th><th>Runbook accuracy</th><th>Why</th></tr></thead>
<tbody>
${rows.join('\n')}
</tbody>
</table>`;
}
