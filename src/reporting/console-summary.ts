import { formatMs } from '../core/format.ts';
import { textTable } from '../core/text-table.ts';
import type { GameDayResult } from '../engine/result.ts';

const versus = (value: number | null, limit: number | null) =>
  `${value === null ? '—' : formatMs(value)} / ${limit === null ? '—' : formatMs(limit)}`;

/** The summary table printed at the end of a run. */
export function consoleSummary(result: GameDayResult): string {
  const rows = [
    ['scenario', 'runbook', 'status', 'TTD / budget', 'TTR (remedy work) / target', 'lost msgs', 'why'],
    ...result.scenarios.map((s) => [
      s.id,
      `${s.runbook.number} ${s.severity}`,
      s.status.toUpperCase(),
      versus(s.detection.timeToDetectMs, s.detection.budgetMs),
      `${s.resolution.timeToResolveMs === null ? '—' : `${formatMs(s.resolution.timeToResolveMs)} (${formatMs(s.resolution.remedyWorkMs)})`} / ${s.resolution.targetMs === null ? '—' : formatMs(s.resolution.targetMs)}`,
      String(s.lostMessages),
      s.reasons[0] ?? '',
    ]),
  ];
  const passed = result.scenarios.filter((s) => s.status === 'passed').length;
  return `${textTable(rows)}\n\n${passed}/${result.scenarios.length} scenarios passed in ${formatMs(result.durationMs)} (time scale ${result.timeScale}: 1 s here is ${formatMs(1000 * result.timeScale)} of runbook time)`;
}
