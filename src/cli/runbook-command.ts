import path from 'node:path';
import type { Command } from 'commander';
import { runbookAccuracy } from '../reporting/runbook-accuracy.ts';
import { readRunbook } from '../runbooks/parse-runbook.ts';
import { checkRunbookStatically, defaultSchema, type StaticFinding } from '../runbooks/runbook-check.ts';
import { registerRunbookFixCommand } from './runbook-fix-command.ts';
import { type VerifyFlags, verifyDuringFaults, withVerifyOptions } from './verify-during-faults.ts';

const ORDER: StaticFinding['verdict'][] = ['broken', 'warning', 'manual', 'ok'];

function formatFindings(file: string, findings: StaticFinding[]): string {
  const lines: string[] = [];
  const shown = path.relative(process.cwd(), file) || file;
  for (const finding of [...findings].sort((a, b) => a.line - b.line)) {
    const where = `${shown}:${finding.line}`;
    const runbook = finding.runbook === null ? 'document' : `runbook ${finding.runbook}`;
    lines.push(
      `${where.padEnd(shown.length + 5)} ${finding.verdict.padEnd(7)} ${runbook.padEnd(9)} ${finding.subject.padEnd(12)} ${finding.message}${finding.fix ? ` (fix: ${finding.fix})` : ''}`,
    );
  }
  const counts = ORDER.map((verdict) => `${findings.filter((f) => f.verdict === verdict).length} ${verdict}`);
  lines.push('', `${counts.join(', ')}`);
  return `${lines.join('\n')}\n`;
}

/** `gameday runbook check FILE`: what is wrong with a runbook before any fault is injected. */
export function registerRunbookCommand(program: Command): void {
  const runbook = program.command('runbook').description('check a runbook document');
  runbook
    .command('check')
    .description('static check, no stack needed: alerts, severities, SQL against the schema, manual steps')
    .argument('<file>', 'runbook document (Markdown)')
    .option('--json', 'print the findings as JSON')
    .option('--schema <file>', 'SQL schema the runbook queries (CREATE TABLE statements)')
    .action(async (file: string, flags: { json?: boolean; schema?: string }) => {
      const document = await readRunbook(path.resolve(file));
      const schema = await defaultSchema(flags.schema ? path.resolve(flags.schema) : undefined);
      const findings = await checkRunbookStatically(document, schema);
      process.stdout.write(
        flags.json
          ? `${JSON.stringify({ file: document.file, findings }, null, 2)}\n`
          : formatFindings(document.file, findings),
      );
      // Like a linter: broken steps fail the command (CI can gate on it); warnings do not.
      process.exitCode = findings.some((finding) => finding.verdict === 'broken') ? 1 : 0;
    });
  withVerifyOptions(
    runbook
      .command('verify')
      .description(
        "run the scenarios of this runbook's incidents and try its diagnostic queries during each live fault",
      ),
  )
    .option('--json', 'print the runbook checks as JSON')
    .action(async (file: string, ids: string[], flags: VerifyFlags & { json?: boolean }) => {
      const result = await verifyDuringFaults(file, ids, flags, flags.json === true);
      const checks = result.scenarios.flatMap((scenario) => scenario.runbookChecks);
      if (flags.json)
        process.stdout.write(`${JSON.stringify({ file: result.runbookFile, checks }, null, 2)}\n`);
      else process.stdout.write(runbookAccuracy(result) ?? 'no runbook step could be tried\n');
      // A step that is wrong during a real fault fails the check, as a failed scenario does; a manual
      // step is only something a person does.
      const wrong = checks.some((check) => check.status === 'broken' || check.status === 'inaccurate');
      if (wrong && process.exitCode === 0) process.exitCode = 1;
    });
  registerRunbookFixCommand(runbook);
}
