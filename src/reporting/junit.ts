import type { GameDayResult } from '../engine/result.ts';

const xmlEscape = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** JUnit XML: one test case per scenario; a failure's message says what missed. */
export function toJUnit(result: GameDayResult): string {
  const count = (status: string) => result.scenarios.filter((s) => s.status === status).length;
  const cases = result.scenarios.map((scenario) => {
    const name = `${scenario.id}: ${scenario.title}`;
    const classname = `gameday.runbook-${scenario.runbook.number}`;
    const time = (scenario.durationMs / 1000).toFixed(3);
    const detail = xmlEscape(scenario.reasons.join('\n'));
    const body =
      scenario.status === 'passed'
        ? ''
        : scenario.status === 'failed'
          ? `\n      <failure message="${xmlEscape(scenario.reasons[0] ?? 'failed')}" type="failed">${detail}</failure>`
          : scenario.status === 'aborted'
            ? `\n      <skipped message="${xmlEscape(scenario.reasons[0] ?? 'aborted')}"/>`
            : `\n      <error message="${xmlEscape(scenario.reasons[0] ?? 'error')}" type="error">${detail}</error>`;
    const out = `\n      <system-out>${xmlEscape(
      scenario.timeline
        .map((e) => `${(e.atMs / 1000).toFixed(2)}s ${e.kind}${e.detail ? `: ${e.detail}` : ''}`)
        .join('\n'),
    )}</system-out>`;
    return `    <testcase name="${xmlEscape(name)}" classname="${classname}" time="${time}">${body}${out}\n    </testcase>`;
  });
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="gameday" tests="${result.scenarios.length}" failures="${count('failed')}" errors="${count('error')}" skipped="${count('aborted')}" time="${(result.durationMs / 1000).toFixed(3)}">`,
    `  <testsuite name="gameday ${result.runId} (time scale ${result.timeScale})" tests="${result.scenarios.length}" failures="${count('failed')}" errors="${count('error')}" skipped="${count('aborted')}" timestamp="${result.startedAt}" time="${(result.durationMs / 1000).toFixed(3)}">`,
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}
