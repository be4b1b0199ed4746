import { formatMs, formatQuantity } from '../core/format.ts';
import type { ClaimResult, ScenarioResult, TimelineEvent } from '../engine/result.ts';
import type { ChartSpec } from './chart-series.ts';
import { escapeHtml } from './html-escape.ts';
import { badge, sectionKey } from './html-scorecard.ts';

/** The key to the marks the client script draws over every chart (colours come from the page's CSS). */
const MARK_KEY = `<ul class="mark-key" aria-label="Chart key">
<li><span class="swatch swatch-fault"></span>fault in place</li>
<li><span class="swatch swatch-alert"></span>alert firing</li>
<li><span class="swatch swatch-threshold"></span>alert threshold</li>
<li><span class="swatch swatch-checkpoint"></span>checkpoint</li>
<li><span class="swatch swatch-responder"></span>responder action</li>
<li><span class="swatch swatch-recovered"></span>recovered</li>
</ul>`;

/** Where the chart goes; a series with no points gets a placeholder instead (the client skips it). */
function chartCard(sectionId: string, chart: ChartSpec): string {
  const key = escapeHtml(`${sectionId}:${chart.name}`);
  const body =
    chart.points > 0
      ? `<div class="chart" data-chart="${key}"></div>`
      : `<div class="chart no-data" data-chart="${key}" data-points="0">no data</div>`;
  return `<figure class="chart-card"><figcaption>${escapeHtml(chart.title)}</figcaption>${body}</figure>`;
}

/** Timeline rows coloured by what they are about, matching the chart marks; every kind decided here. */
function eventClass(event: TimelineEvent): string {
  switch (event.kind) {
    case 'alert-firing':
    case 'guard-fired':
    case 'source-unknown-alert':
    case 'source-unreachable':
    case 'not-detected':
    case 'not-resolved':
    case 'false-alarm':
      return 'ev-alert';
    case 'recovered':
      return 'ev-recovered';
    case 'checkpoint':
    case 'diagnosis':
    case 'revealed':
      return 'ev-checkpoint';
    case 'responder-action':
    case 'responder-action-failed':
      return 'ev-responder';
    case 'fault-injecting':
    case 'fault-note':
    case 'fault-injected':
    case 'fault-experiment':
    case 'fault-not-injected':
    case 'fault-reverted':
    case 'revert-failed':
    case 'time-box':
      return 'ev-fault';
    case 'scenario-start':
    case 'traffic-start':
    case 'remedy-prepared':
    case 'baseline-ok':
    case 'alert-inactive':
    case 'alert-pending':
    case 'runbook-diagnostics':
    case 'runbook-diagnostics-failed':
    case 'remedy-skipped':
    case 'remedy-step-skipped':
    case 'decision':
    case 'remedy-step':
    case 'remedy-step-done':
    case 'remedy-step-failed':
    case 'runbook-verify-failed':
    case 'aborted':
    case 'error':
    case 'step-abandoned':
    case 'restore-step-done':
    case 'restore-step-failed':
    case 'invariants':
    case 'facilitator-abort':
    case 'source-alert':
    case 'source-reachable':
    case 'parity':
      return '';
    default:
      return unknownKind(event);
  }
}

/** Exhaustiveness: a kind added to the journal and not placed above breaks the build here. */
function unknownKind(event: never): string {
  return (event as TimelineEvent).kind;
}

function timelineTable(timeline: TimelineEvent[]): string {
  const rows = [...timeline]
    .sort((a, b) => a.atMs - b.atMs)
    .map((event) => {
      const kind = event.kind === 'checkpoint' ? `checkpoint: ${event.checkpoint}` : event.kind;
      return `<tr class="${eventClass(event)}"><td class="num">${(event.atMs / 1000).toFixed(2)} s</td><td class="kind">${escapeHtml(kind)}</td><td>${escapeHtml(event.detail ?? '')}</td></tr>`;
    });
  return `<details class="timeline" open><summary>Timeline (${timeline.length} events)</summary>
<table><thead><tr><th>Time</th><th>Event</th><th>Detail</th></tr></thead>
<tbody>
${rows.join('\n')}
</tbody></table></details>`;
}

function claimRow(claim: ClaimResult): string {
  return `<tr><td>${escapeHtml(claim.claim)}</td><td class="num">${escapeHtml(formatQuantity(claim.claimed, claim.unit))}</td><td class="num">${escapeHtml(formatQuantity(claim.measured, claim.unit))}</td><td>${badge(claim.verdict)}</td><td>${escapeHtml(claim.detail)}</td></tr>`;
}

/** The runbook's steps and numbers as this run found them; nothing when neither was checked. */
function accuracyTables(scenario: ScenarioResult): string {
  const checks = scenario.runbookChecks ?? [];
  const claims = scenario.claims ?? [];
  const parts: string[] = [];
  if (checks.length)
    parts.push(`<table class="accuracy"><caption>Runbook steps tried</caption>
<thead><tr><th>Line</th><th>Step</th><th>Status</th><th>Expected</th><th>Seen</th></tr></thead>
<tbody>
${checks.map((check) => `<tr><td class="num">${check.line}</td><td>${escapeHtml(check.step)}</td><td>${badge(check.status)}</td><td>${escapeHtml(check.expected)}</td><td>${escapeHtml(check.seen)}</td></tr>`).join('\n')}
</tbody></table>`);
  if (claims.length)
    parts.push(`<table class="accuracy"><caption>Runbook claims</caption>
<thead><tr><th>Claim</th><th>Claimed</th><th>Measured</th><th>Verdict</th><th>Detail</th></tr></thead>
<tbody>
${claims.map(claimRow).join('\n')}
</tbody></table>`);
  return parts.join('\n');
}

/** Game-day mode: the checkpoints as marked, the commands the people ran, the runbook steps they used. */
function respondersTables(scenario: ScenarioResult): string {
  if (!scenario.responders) return '';
  const { checkpoints, actions, runbookSteps } = scenario.responders;
  const at = (atMs: number) => `${(atMs / 1000).toFixed(1)} s`;
  const steps = runbookSteps.filter((step) => step.action);
  return `${drillTable(scenario)}<table class="accuracy"><caption>Checkpoints</caption>
<thead><tr><th>Time</th><th>Checkpoint</th><th>Recorded by</th></tr></thead>
<tbody>
${checkpoints.map((c) => `<tr><td class="num">${at(c.atMs)}</td><td>${escapeHtml(c.title)}</td><td>${escapeHtml(c.source)}</td></tr>`).join('\n') || '<tr><td colspan="3">none marked</td></tr>'}
</tbody></table>
<table class="accuracy"><caption>Commands the responders ran</caption>
<thead><tr><th>Time</th><th>Command</th><th>Outcome</th></tr></thead>
<tbody>
${actions.map((a) => `<tr><td class="num">${at(a.atMs)}</td><td><code>gameday ctl ${escapeHtml(a.command)}</code></td><td>${a.ok ? (a.changes ? 'changed the deployment' : 'looked') : `failed: ${escapeHtml(a.error ?? '')}`}</td></tr>`).join('\n') || '<tr><td colspan="3">none</td></tr>'}
</tbody></table>
<table class="accuracy"><caption>Runbook steps (those the harness can observe)</caption>
<thead><tr><th>Line</th><th>Step</th><th>Used</th></tr></thead>
<tbody>
${steps.map((step) => `<tr><td class="num">${step.line}</td><td><code>${escapeHtml(step.text)}</code></td><td>${step.used ? `at ${at(step.usedAtMs!)}` : 'not used'}</td></tr>`).join('\n')}
</tbody></table>`;
}

/** The drill's scorecard as a table: each time from the fault in place, against what happened. */
function drillTable(scenario: ScenarioResult): string {
  const score = scenario.responders?.score;
  if (!score) return '';
  const time = (ms: number | null) => (ms === null ? 'never' : formatMs(ms));
  const rows: [string, string][] = [
    ['Detected (the alert fired)', time(score.timeToDetectMs)],
    ['Acknowledged', time(score.timeToAcknowledgeMs)],
    [
      'Right diagnosis',
      `${time(score.timeToRightDiagnosisMs)}${score.diagnosis ? ` (best given: ${score.diagnosis})` : ' (none given)'}`,
    ],
    ...(score.revealedAtMs === undefined
      ? []
      : [['Revealed early', time(score.revealedAtMs)] as [string, string]]),
    ['Resolved', time(score.timeToResolveMs)],
    ['Runbook steps used', `${score.runbookSteps.used} of ${score.runbookSteps.observable} observable`],
    [
      'Wrong turns',
      score.wrongTurns.length === 0
        ? 'none'
        : score.wrongTurns.map((turn) => `${formatMs(turn.atMs)}: ${turn.command}`).join('; '),
    ],
  ];
  return `<table class="accuracy drill"><caption>Drill scorecard (from the fault in place)</caption>
<tbody>
${rows.map(([what, value]) => `<tr><th>${escapeHtml(what)}</th><td>${escapeHtml(value)}</td></tr>`).join('\n')}
</tbody></table>
`;
}

const ttd = (ms: number | null) => (ms === null ? 'did not fire' : formatMs(ms));

/**
 * With a real alert source: gameday's evaluator and the source side by side, the difference judged
 * against one scrape plus one evaluation interval; nothing with the builtin source.
 */
export function parityLine(scenario: ScenarioResult): string {
  const parity = scenario.detection.parity;
  if (!parity) return '';
  const difference =
    parity.differenceMs === null
      ? '—'
      : `${parity.differenceMs >= 0 ? '+' : '−'}${formatMs(Math.abs(parity.differenceMs))}`;
  const spans = parity.disagreements
    .map(
      (d) =>
        `${(d.fromMs / 1000).toFixed(1)}–${(d.toMs / 1000).toFixed(1)} s (builtin ${d.builtin}, ${parity.source} ${d.source})`,
    )
    .join('; ');
  return `<table class="accuracy parity"><caption>Detection parity: ${escapeHtml(parity.source)} beside gameday's evaluator</caption>
<thead><tr><th>builtin TTD</th>${parity.prometheusTimeToDetectMs === undefined ? '' : '<th>prometheus TTD</th>'}<th>${escapeHtml(parity.source)} TTD</th><th>Difference</th><th>Tolerance</th><th>First to fire</th><th>Disagreements</th><th>Verdict</th></tr></thead>
<tbody><tr><td class="num">${escapeHtml(ttd(parity.builtinTimeToDetectMs))}</td>${parity.prometheusTimeToDetectMs === undefined ? '' : `<td class="num">${escapeHtml(ttd(parity.prometheusTimeToDetectMs))}</td>`}<td class="num">${escapeHtml(ttd(parity.sourceTimeToDetectMs))}</td><td class="num">${escapeHtml(difference)}</td><td class="num">${escapeHtml(formatMs(parity.toleranceMs))}</td><td>${escapeHtml(parity.firstToFire)}</td><td>${escapeHtml(spans || 'none')}</td><td>${badge(parity.withinTolerance && parity.disagreements.length === 0 ? 'ok' : 'inaccurate')}</td></tr></tbody></table>`;
}

/** One scenario: what was done, its charts with the timeline's marks, and the timeline itself. */
export function scenarioSection(scenario: ScenarioResult, charts: ChartSpec[]): string {
  const rule = scenario.alertRule;
  const procedure = scenario.runbook.procedure ? ` — ${escapeHtml(scenario.runbook.procedure)}` : '';
  const reasons = scenario.reasons.length
    ? `<ul class="reason-list">${scenario.reasons.map((reason) => `<li>${escapeHtml(reason)}</li>`).join('')}</ul>`
    : '';
  const { round } = scenario;
  const roundFacts = round
    ? `<dt>Round</dt><dd>${escapeHtml(`${round.number}: ${round.name}`)}${round.blind ? escapeHtml(`; a blind pick from ${round.pickedFrom?.join(', ')} (seed ${round.seed})`) : ''}${round.roles ? escapeHtml(`; ${rolesText(round.roles)}`) : ''}</dd>\n`
    : '';
  return `<section class="scenario" id="scenario-${escapeHtml(sectionKey(scenario))}">
<h2>${round ? `<span class="muted">Round ${escapeHtml(round.number)}</span> ` : ''}${escapeHtml(scenario.id)} <span class="muted">${escapeHtml(scenario.title)}</span> ${badge(scenario.status)}</h2>
<dl class="facts">
${roundFacts}
<dt>Runbook</dt><dd>${escapeHtml(scenario.runbook.number)}. ${escapeHtml(scenario.runbook.title)}${procedure}</dd>
<dt>Fault</dt><dd>${escapeHtml(scenario.fault.description)}</dd>
<dt>Alert</dt><dd><code>${escapeHtml(`${rule.expression} ${rule.comparator} ${rule.threshold}`)}</code> for ${escapeHtml(formatMs(rule.forMs))} (runbook time; ${escapeHtml(rule.origin)})</dd>
<dt>Detected by</dt><dd>${escapeHtml(scenario.detection.source ?? 'builtin')}${scenario.guards?.length ? `; guards: ${escapeHtml(scenario.guards.join(', '))}` : ''}</dd>
</dl>
${reasons}
${parityLine(scenario)}
${MARK_KEY}
<div class="charts">
${charts.map((chart) => chartCard(sectionKey(scenario), chart)).join('\n')}
</div>
${respondersTables(scenario)}
${accuracyTables(scenario)}
${timelineTable(scenario.timeline)}
</section>`;
}

/** "facilitator Ana; responders Bo, Cy; observers Di". */
function rolesText(roles: NonNullable<ScenarioResult['round']>['roles'] & object): string {
  return [
    roles.facilitator ? `facilitator ${roles.facilitator}` : '',
    roles.responders?.length ? `responders ${roles.responders.join(', ')}` : '',
    roles.observers?.length ? `observers ${roles.observers.join(', ')}` : '',
  ]
    .filter(Boolean)
    .join('; ');
}
