import fs from 'node:fs/promises';
import path from 'node:path';
import { redactDeep, redactSecrets } from '../core/redact.ts';
import type { GameDayResult } from '../engine/result.ts';
import { consoleSummary } from './console-summary.ts';
import { toHtml } from './html-report.ts';
import { toJUnit } from './junit.ts';
import { postmortems } from './postmortem.ts';
import { runbookAccuracy } from './runbook-accuracy.ts';

export interface WrittenReports {
  dir: string;
  files: string[];
  summary: string;
}

/**
 * Writes DIR/<run-id>/{report.json, report.html, junit.xml, postmortem.md, summary.txt} and points
 * DIR/latest at it. Everything passes through redaction first: no password or token reaches a report.
 */
export async function writeReports(
  measured: GameDayResult,
  reportDir: string,
  postmortemTemplate: string | undefined,
): Promise<WrittenReports> {
  // Masked field by field first, before JSON or HTML escaping could change how a secret is spelled;
  // and the finished text once more below.
  const result = redactDeep(measured);
  const dir = path.resolve(reportDir, result.runId);
  await fs.mkdir(dir, { recursive: true });
  const summary = consoleSummary(result);
  const files: Record<string, string> = {
    'report.json': `${JSON.stringify(result, null, 2)}\n`,
    'report.html': toHtml(result),
    'junit.xml': toJUnit(result),
    'postmortem.md': `${postmortems(result, postmortemTemplate)}\n`,
    'summary.txt': `${summary}\n`,
  };
  const accuracy = runbookAccuracy(result);
  if (accuracy) files['runbook-accuracy.md'] = accuracy;
  for (const [name, content] of Object.entries(files))
    await fs.writeFile(path.join(dir, name), redactSecrets(content));
  const latest = path.resolve(reportDir, 'latest');
  await fs.rm(latest, { force: true, recursive: false }).catch(() => undefined);
  await fs.symlink(result.runId, latest);
  return {
    dir,
    files: Object.keys(files).map((name) => path.join(dir, name)),
    summary: redactSecrets(summary),
  };
}
