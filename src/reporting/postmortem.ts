import { formatMs, formatQuantity } from '../core/format.ts';
import { type EventOf, eventsOf, type JournalKind } from '../engine/journal.ts';
import type { GameDayResult, ScenarioResult } from '../engine/result.ts';

/** Used when the runbook document has no post-mortem template of its own. */
export const DEFAULT_TEMPLATE = `# Post-Mortem: [Incident Title]

**Date**: YYYY-MM-DD
**Severity**: P0/P1
**Duration**: X hours
**Impact**: X users affected, X% error rate

## Timeline
- HH:MM - Alert triggered
- HH:MM - On-call acknowledged
- HH:MM - Root cause identified
- HH:MM - Fix deployed
- HH:MM - Service restored

## Root Cause
[Detailed explanation]

## Resolution
[What fixed it]

## Action Items
- [ ] [Preventive measure] - Owner: [Name] - Due: [Date]

## Lessons Learned
[What went well, what didn't]`;

const clockTime = (epochMs: number) => new Date(epochMs).toISOString().slice(11, 19);

function firstEvent<K extends JournalKind>(scenario: ScenarioResult, kind: K): EventOf<K> | undefined {
  return eventsOf(scenario.timeline, kind)[0];
}

/** Epoch ms of a point given as ms since the scenario started. */
function epochOf(scenario: ScenarioResult, atMs: number): number {
  return Date.parse(scenario.startedAt) + atMs;
}

/** Game-day mode: the checkpoint the people responding marked (service restored: as the harness saw it). */
function markedCheckpoint(scenario: ScenarioResult, text: string): number | undefined {
  const marked = (id: string) => {
    const found = scenario.responders!.checkpoints.find((c) => c.id === id);
    return found ? epochOf(scenario, found.atMs) : undefined;
  };
  if (text.includes('alert')) return firstEvent(scenario, 'alert-firing')?.at;
  if (text.includes('acknowledg')) return marked('acknowledged');
  if (text.includes('root cause')) return marked('root-cause');
  if (text.includes('fix')) return marked('fix-deployed');
  if (text.includes('restor') || text.includes('resolv')) {
    const recovered = firstEvent(scenario, 'recovered');
    return recovered ? recovered.recoveredAt : marked('service-restored');
  }
  return undefined;
}

/** When each of the template's timeline checkpoints happened, by the words the template uses. */
function checkpoint(scenario: ScenarioResult, label: string): number | undefined {
  const text = label.toLowerCase();
  if (scenario.responders) return markedCheckpoint(scenario, text);
  const fired = firstEvent(scenario, 'alert-firing')?.at;
  const firstStep = firstEvent(scenario, 'remedy-step')?.at;
  const lastDone = eventsOf(scenario.timeline, 'remedy-step-done').at(-1)?.at;
  const recovered = firstEvent(scenario, 'recovered');
  if (text.includes('alert')) return fired;
  // In automatic mode the harness acknowledges and diagnoses the moment the alert fires.
  if (text.includes('acknowledg')) return fired;
  if (text.includes('root cause')) return firstStep;
  if (text.includes('fix')) return lastDone;
  // Recovery is dated from when it began, not from when the hold period confirmed it.
  if (text.includes('restor') || text.includes('resolv')) return recovered?.recoveredAt;
  return undefined;
}

function relative(scenario: ScenarioResult, at: number | undefined, timeScale: number): string {
  const injected = firstEvent(scenario, 'fault-injected')?.at;
  if (at === undefined) return 'not reached';
  if (injected === undefined) return clockTime(at);
  const offset = at - injected;
  return `${clockTime(at)} (fault + ${formatMs(offset)}; ${formatMs(offset * timeScale)} at runbook scale)`;
}

function impact(scenario: ScenarioResult): string {
  const { ok, clientErrors, serverErrors, networkErrors } = scenario.traffic;
  const total = ok + clientErrors + serverErrors + networkErrors;
  const errorRate = total > 0 ? ((serverErrors + networkErrors) / total) * 100 : 0;
  return `${total} requests from the synthetic users during the scenario, ${errorRate.toFixed(2)}% failed (5xx or network); ${scenario.lostMessages} of ${scenario.acknowledgedMessages} acknowledged messages lost`;
}

/** Fills the runbook's own post-mortem template from one scenario's measured timeline. */
export function fillPostmortem(template: string, scenario: ScenarioResult, timeScale: number): string {
  const out: string[] = [];
  let section = '';
  for (const line of template.split('\n')) {
    const heading = /^##\s+(.*)$/.exec(line);
    if (heading) section = heading[1]!.toLowerCase();
    if (/^#\s+Post-Mortem:/i.test(line)) {
      out.push(
        `# Post-Mortem: ${scenario.title} (game day scenario ${scenario.id}, runbook ${scenario.runbook.number})`,
      );
    } else if (/^\*\*Date\*\*:/.test(line)) {
      out.push(`**Date**: ${scenario.startedAt.slice(0, 10)}`);
    } else if (/^\*\*Severity\*\*:/.test(line)) {
      out.push(`**Severity**: ${scenario.severity}`);
    } else if (/^\*\*Duration\*\*:/.test(line)) {
      const ttr = scenario.resolution.timeToResolveMs;
      out.push(
        `**Duration**: ${ttr === null ? 'not resolved' : `${formatMs(ttr)} (${formatMs(ttr * timeScale)} at runbook scale)`}; target ${scenario.resolution.targetMs === null ? 'none' : formatMs(scenario.resolution.targetMs)}`,
      );
    } else if (/^\*\*Impact\*\*:/.test(line)) {
      out.push(`**Impact**: ${impact(scenario)}`);
    } else if (/^-\s*HH:MM\s*-\s*(.*)$/.test(line)) {
      const label = /^-\s*HH:MM\s*-\s*(.*)$/.exec(line)![1]!;
      if (out.at(-1)?.startsWith('## ') && firstEvent(scenario, 'fault-injected')) {
        out.push(
          `- ${clockTime(firstEvent(scenario, 'fault-injected')!.at)} - Fault in place: ${scenario.fault.description}`,
        );
      }
      out.push(`- ${relative(scenario, checkpoint(scenario, label), timeScale)} - ${label}`);
    } else if (/^\[.*\]$/.test(line.trim()) || /^- \[ \] \[/.test(line)) {
      if (out.at(-1) === '<!-- filled -->') continue;
      out.push(...sectionBody(section, scenario, timeScale), '<!-- filled -->');
    } else {
      out.push(line);
    }
  }
  return out.filter((line) => line !== '<!-- filled -->').join('\n');
}

function sectionBody(section: string, scenario: ScenarioResult, timeScale: number): string[] {
  if (section.includes('root cause')) {
    return [`Injected by gameday: ${scenario.fault.description} (fault kind \`${scenario.fault.kind}\`).`];
  }
  if (section.includes('resolution') && scenario.responders) return responderResolution(scenario);
  if (section.includes('resolution')) {
    if (scenario.remedy.length === 0) return ['No remedy was carried out.'];
    return scenario.remedy.map(
      (step) =>
        `- ${step.description}${step.runbookStep ? ` (runbook: ${step.runbookStep})` : ''}: ${step.ok ? step.detail : `FAILED: ${step.detail}`} in ${formatMs(step.durationMs)}`,
    );
  }
  if (section.includes('action')) {
    if (scenario.status === 'passed')
      return ['- [ ] None from this drill: detection and resolution met their targets.'];
    return scenario.reasons.map((reason) => `- [ ] Investigate: ${reason} - Owner: [Name] - Due: [Date]`);
  }
  if (section.includes('lesson')) {
    const { detection, resolution } = scenario;
    return [
      `- Detection: ${detection.alert} ${detection.fired ? `fired ${formatMs(detection.timeToDetectMs!)} after the fault (budget ${formatMs(detection.budgetMs)}; ${formatMs(detection.timeToDetectMs! * timeScale)} at runbook scale)` : `did not fire within ${formatMs(detection.budgetMs)}`}.`,
      `- Resolution: ${resolution.resolved ? `recovered ${formatMs(resolution.timeToResolveMs!)} after the fault, ${scenario.responders ? 'all of it the responders’ time' : `${formatMs(resolution.remedyWorkMs)} of it the remedy's own work${resolution.remedyWorkWhileClearingMs ? ` (and ${formatMs(resolution.remedyWorkWhileClearingMs)} more while the alert's window cleared, which counts)` : ''}`} (target ${resolution.targetMs === null ? 'none' : formatMs(resolution.targetMs)}${scenario.responders ? '' : ' for the rest'})` : 'not recovered'}.`,
      `- Alert rule: \`${scenario.alertRule.expression} ${scenario.alertRule.comparator} ${scenario.alertRule.threshold}\` for ${formatMs(scenario.alertRule.forMs)} (runbook time); ${scenario.alertRule.origin}.`,
      ...scenario.claims.map(
        (claim) =>
          `- Runbook claim "${claim.claim}": ${claim.verdict}; measured ${formatQuantity(claim.measured, claim.unit)} against ${formatQuantity(claim.claimed, claim.unit)} (${claim.detail}).`,
      ),
      ...scenario.runbookChecks
        .filter((check) => check.status !== 'ok')
        .map(
          (check) =>
            `- Runbook line ${check.line} (\`${check.step.replace(/\s+/g, ' ').slice(0, 80)}\`): ${check.status}; expected ${check.expected}; seen ${check.seen}.`,
        ),
      `- Verdict: ${scenario.status.toUpperCase()}${scenario.reasons.length ? ` — ${scenario.reasons.join('; ')}` : ''}.`,
    ];
  }
  return ['(no data)'];
}

/** Game-day mode: what the responders ran, and which of the runbook's steps they used and did not. */
function responderResolution(scenario: ScenarioResult): string[] {
  const { actions, runbookSteps } = scenario.responders!;
  const at = (atMs: number) => `+${formatMs(atMs)}`;
  const used = runbookSteps.filter((step) => step.used);
  const unused = runbookSteps.filter((step) => !step.used && step.action);
  const unseen = runbookSteps.filter((step) => !step.action);
  const oneLine = (text: string) => text.replace(/\s+/g, ' ').slice(0, 100);
  const timeBox = firstEvent(scenario, 'time-box');
  return [
    actions.length === 0
      ? 'The responders ran no `gameday ctl` command.'
      : 'Commands the responders ran (`gameday ctl`):',
    ...actions.map(
      (action) =>
        `- ${at(action.atMs)} \`${action.command}\`${action.ok ? '' : ` FAILED: ${action.error}`}${action.changes ? ' (changed the deployment)' : ''}`,
    ),
    ...(timeBox ? ['', `Nobody fixed it in time: ${timeBox.detail}.`] : []),
    ...drillScorecard(scenario),
    '',
    `Runbook steps used (${used.length}):`,
    ...(used.length
      ? used.map((step) => `- line ${step.line}: \`${oneLine(step.text)}\` at ${at(step.usedAtMs!)}`)
      : ['- none']),
    '',
    `Runbook steps not used (${unused.length}):`,
    ...(unused.length ? unused.map((step) => `- line ${step.line}: \`${oneLine(step.text)}\``) : ['- none']),
    ...(unseen.length
      ? [
          '',
          `Not observable by the harness (${unseen.length}; SQL and tools run outside \`gameday ctl\`): ${unseen.map((step) => `line ${step.line}`).join(', ')}.`,
        ]
      : []),
  ];
}

/** The drill's scorecard: each time from the fault in place, the diagnoses as judged, the wrong turns. */
function drillScorecard(scenario: ScenarioResult): string[] {
  const { score, diagnoses = [] } = scenario.responders!;
  if (!score) return [];
  const { round } = scenario;
  const time = (ms: number | null) => (ms === null ? 'never' : `+${formatMs(ms)}`);
  const faultAtMs = scenario.timeline.find((event) => event.kind === 'fault-injected')?.atMs ?? 0;
  return [
    '',
    `Drill scorecard${round ? ` (round ${round.number}: ${round.name}${round.blind ? `, a blind pick, seed ${round.seed}` : ''})` : ''}, each time from the fault in place:`,
    `- Detected (the alert fired): ${time(score.timeToDetectMs)}`,
    `- Acknowledged: ${time(score.timeToAcknowledgeMs)}`,
    `- Right diagnosis: ${time(score.timeToRightDiagnosisMs)}${score.diagnosis ? ` (best given: ${score.diagnosis})` : ' (none given)'}`,
    ...(score.revealedAtMs === undefined
      ? []
      : [
          `- Revealed early by the facilitator: ${time(score.revealedAtMs)} (a diagnosis after it does not count)`,
        ]),
    `- Resolved: ${time(score.timeToResolveMs)}`,
    `- Runbook steps used: ${score.runbookSteps.used} of the ${score.runbookSteps.observable} the harness can observe`,
    `- Wrong turns (changes that did not help): ${score.wrongTurns.length === 0 ? 'none' : score.wrongTurns.map((turn) => `+${formatMs(turn.atMs)} \`${turn.command}\``).join(', ')}`,
    ...(diagnoses.length ? ['', 'Diagnoses given (`gameday mark root-cause`):'] : []),
    ...diagnoses.map(
      (d) => `- ${time(Math.max(0, d.atMs - faultAtMs))} "${d.text}": ${d.verdict} (${d.detail})`,
    ),
  ];
}

/** One document with a post-mortem per scenario. */
export function postmortems(result: GameDayResult, template: string | undefined): string {
  return result.scenarios
    .map((scenario) => fillPostmortem(template ?? DEFAULT_TEMPLATE, scenario, result.timeScale))
    .join('\n\n---\n\n');
}
