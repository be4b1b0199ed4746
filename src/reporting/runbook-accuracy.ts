import type { GameDayResult, RunbookCheck } from '../engine/result.ts';

type Worked = NonNullable<RunbookCheck['worked']>[number];

/** One thing that did the job where the step did not, in a few words. */
function describeWorked(worked: Worked): string {
  switch (worked.kind) {
    case 'harness-action':
      return `the harness's ${worked.action}: ${worked.detail}`;
    case 'query':
      return `${worked.line ? `line ${worked.line}'s query` : `the query \`${worked.sql}\``} showed ${worked.showed}`;
    case 'command':
      return `\`${worked.command}\``;
    case 'measured':
      return `${worked.quantity} measured ${worked.value} ${worked.unit}`;
    case 'setting':
      return `${worked.name} = ${worked.value} takes effect: ${worked.takesEffect}`;
    case 'number':
      return `${worked.name}: ${worked.detail}`;
  }
}

/**
 * The runbook accuracy summary: one row per step tried during a live fault, with the evidence for its
 * verdict (each rule that judged it and what it observed) and, where the step fell short, what did the
 * job instead.
 */
export function runbookAccuracy(result: GameDayResult): string | undefined {
  const rows = result.scenarios.flatMap((scenario) => scenario.runbookChecks);
  if (rows.length === 0) return undefined;
  const cell = (text: string) => text.replace(/\s+/g, ' ').replace(/\|/g, '\\|').trim();
  const evidence = (row: RunbookCheck) =>
    (row.judgements ?? [])
      .map((judgement) => `${judgement.rule} ${judgement.status}: ${judgement.observed}`)
      .join(' · ') || row.seen;
  const lines = [
    `# Runbook accuracy: ${result.runbookFile}`,
    '',
    '| runbook | line | step | scenario | verdict | expected | evidence | what worked instead |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...[...rows]
      .sort((a, b) => a.runbook - b.runbook || a.line - b.line)
      .map(
        (row) =>
          `| ${row.runbook} | ${row.line} | \`${cell(row.step).slice(0, 80)}\` | ${row.scenario} | ${row.status} | ${cell(row.expected)} | ${cell(evidence(row))} | ${cell((row.worked ?? []).map(describeWorked).join(' · '))} |`,
      ),
  ];
  const count = (status: string) => rows.filter((row) => row.status === status).length;
  lines.push(
    '',
    `${count('ok')} ok, ${count('inaccurate')} inaccurate, ${count('broken')} broken, ${count('manual')} manual.`,
  );
  return `${lines.join('\n')}\n`;
}
