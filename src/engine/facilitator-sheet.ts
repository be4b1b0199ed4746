import fs from 'node:fs/promises';
import path from 'node:path';
import { formatMs } from '../core/format.ts';
import { answerKey } from './answer-key.ts';
import type { PlannedRound } from './rounds.ts';

/** What `gameday reveal` says, and the first lines of a round's answer on the facilitator's sheet. */
export function answerLines(round: PlannedRound): string[] {
  const key = answerKey(round.resolved);
  return [
    `${key.scenario.id}: ${key.scenario.title} (runbook ${key.scenario.runbook}${key.scenario.procedure ? `, ${key.scenario.procedure}` : ''})`,
    ...key.faults.map(
      (fault, index) =>
        `fault${key.faults.length > 1 ? `[${index}]` : ''}: ${fault.description}${fault.afterMs ? ` (${formatMs(fault.afterMs)} of runbook time after the incident began)` : ''}`,
    ),
  ];
}

/** A round's part of the sheet: the seed, the pick, the answer key. */
function roundSection(round: PlannedRound, replay: (seed: number) => string): string[] {
  const key = answerKey(round.resolved);
  return [
    `## Round ${round.number}: ${round.name}${round.blind ? ' (blind)' : ''}`,
    '',
    ...(round.blind
      ? [
          `- Seed: ${round.blind.seed} (replay the same pick: ${replay(round.blind.seed)})`,
          `- Picked from: ${round.blind.candidates.join(', ')}`,
        ]
      : []),
    `- Scenario: ${answerLines(round)[0]}`,
    ...key.faults.map(
      (fault) =>
        `- Fault: ${fault.description} (kind \`${fault.kind}\`${fault.afterMs ? `, ${formatMs(fault.afterMs)} of runbook time after the incident began` : ''})`,
    ),
    ...key.alerts.map(
      (alert) =>
        `- Alert: ${alert.name} (runbook ${alert.runbook}${alert.procedure ? `, ${alert.procedure}` : ''}; fault${key.faults.length > 1 ? `[${alert.fault}]` : ''})`,
    ),
    '- A right diagnosis (`gameday mark root-cause "…"`) names, for each fault, one of:',
    ...key.rightDiagnosis.map((part) => `  - ${part.fault}: ${part.causes.join(' | ')}`),
    '- The runbooks’ fix, in order:',
    ...key.remedy.map(
      (step, index) =>
        `  ${index + 1}. ${step.description}${step.onAlert ? ` (once ${step.onAlert} fires)` : ''}${step.runbookStep ? ` — runbook: \`${step.runbookStep}\`` : ''}`,
    ),
    '',
  ];
}

/**
 * The facilitator's sheet: for every round, its seed and pick and its answer key, written before
 * anything starts, readable by its owner only (the responders' terminal never shows it).
 */
export async function writeFacilitatorSheet(
  file: string,
  title: string,
  rounds: readonly PlannedRound[],
  replay: (seed: number) => string,
): Promise<void> {
  const text = [
    `# Facilitator's sheet: ${title}`,
    '',
    `Written ${new Date().toISOString()}. Keep it from the responders: it names every round's fault.`,
    '',
    ...rounds.flatMap((round) => roundSection(round, replay)),
  ].join('\n');
  await fs.mkdir(path.dirname(file), { recursive: true });
  // Written whole under a new name and moved into place: never, even for a moment, readable by others.
  const temporary = `${file}.${process.pid}.tmp`;
  await fs.writeFile(temporary, text, { mode: 0o600, flag: 'wx' });
  await fs.rename(temporary, file);
}
