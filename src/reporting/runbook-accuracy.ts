import type { GameDayResult } from '../engine/result.ts';

/** The runbook accuracy summary: one row per step tried during a live fault. */
export function runbookAccuracy(result: GameDayResult): string | undefined {
  const rows = result.scenarios.flatMap((scenario) => scenario.runbookChecks);
  if (rows.length === 0) return undefined;
  const cell = (text: string) => text.replace(/\s+/g, ' ').replace(/\|/g, '\\|').trim();
  const lines = [
    `# Runbook accuracy: ${result.runbookFile}`,
    '',
    '| runbook | line | step | scenario | verdict | expected | seen |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...[...rows]
      .sort((a, b) => a.runbook - b.runbook || a.line - b.line)
      .map(
        (row) =>
          `| ${row.runbook} | ${row.line} | \`${cell(row.step).slice(0, 80)}\` | ${row.scenario} | ${row.status} | ${cell(row.expected)} | ${cell(row.seen)} |`,
      ),
  ];
  const count = (status: string) => rows.filter((row) => row.status === status).length;
  lines.push(
    '',
    `${count('ok')} ok, ${count('inaccurate')} inaccurate, ${count('broken')} broken, ${count('manual')} manual.`,
  );
  return `${lines.join('\n')}\n`;
}
