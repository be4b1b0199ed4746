import { readFile } from 'node:fs/promises';
import { APP_SCHEMA_FILE } from '../stack/reference-backend.ts';
import { coverageOf } from './coverage.ts';
import type { ParsedRunbook, RunbookDocument } from './parse-runbook.ts';
import { planShellCommand } from './shell-command.ts';
import {
  loadSqlParser,
  mergeSchemas,
  postgresCatalog,
  type SqlSchema,
  SqlSession,
  schemaFromSql,
  splitSqlScript,
} from './sql-check/index.ts';
import { changesState, sqlOf } from './steps.ts';

/** One finding of the static check; `ok` findings are kept so a clean step is visibly checked. */
export interface StaticFinding {
  /** Runbook number, or null for the document (the severity table). */
  runbook: number | null;
  line: number;
  subject: 'alert' | 'severity' | 'sql' | 'psql' | 'shell' | 'coverage' | 'verification' | 'decision';
  verdict: 'ok' | 'broken' | 'warning' | 'manual';
  message: string;
  /** What to change, when there is something to change. */
  fix?: string;
}

/** The tables a runbook's SQL may name: the application's schema plus PostgreSQL's catalog. */
export async function defaultSchema(schemaFile: string | URL = APP_SCHEMA_FILE): Promise<SqlSchema> {
  await loadSqlParser();
  return mergeSchemas(schemaFromSql(await readFile(schemaFile, 'utf8')), postgresCatalog());
}

const VERIFICATION = /\b(verify|expected|should be|wait for|monitor|confirm)\b/i;

/**
 * What can be said about a runbook without a stack: alerts without a threshold or duration, severities
 * without a response time, SQL that does not parse or names what the schema lacks, commands gameday
 * cannot carry out (manual steps), branches that lead nowhere, and runbooks that never verify the fix.
 */
export async function checkRunbookStatically(
  document: RunbookDocument,
  schema: SqlSchema,
): Promise<StaticFinding[]> {
  await loadSqlParser();
  const findings: StaticFinding[] = [];
  for (const severity of Object.values(document.severities)) {
    if (severity.responseTimeMs === undefined) {
      findings.push({
        runbook: null,
        line: severity.line,
        subject: 'severity',
        verdict: 'warning',
        message: `${severity.level} has no response-time target ("${severity.responseTimeText}")`,
        fix: 'give a duration such as "<15 min", or gameday cannot set a resolution target for it',
      });
    }
  }
  for (const runbook of document.runbooks) findings.push(...checkOne(runbook, document, schema));
  return findings;
}

function checkOne(runbook: ParsedRunbook, document: RunbookDocument, schema: SqlSchema): StaticFinding[] {
  const findings: StaticFinding[] = [];
  const at = (finding: Omit<StaticFinding, 'runbook'>) =>
    findings.push({ runbook: runbook.number, ...finding });
  const { alert } = runbook;
  if (!alert) {
    at({
      line: runbook.line,
      subject: 'alert',
      verdict: 'broken',
      message: 'no Alert Trigger section',
      fix: 'add "### Alert Trigger" with a fenced block',
    });
  } else {
    if (!alert.threshold)
      at({
        line: alert.line,
        subject: 'alert',
        verdict: 'warning',
        message: `the alert states no threshold: "${alert.alertText}"`,
        fix: 'state the number it fires at, e.g. "> 1%"',
      });
    if (alert.durationMs === undefined)
      at({
        line: alert.line,
        subject: 'alert',
        verdict: 'warning',
        message: 'the alert states no duration ("Duration: 5+ minutes sustained")',
        fix: 'add a Duration line',
      });
    if (!alert.severity)
      at({
        line: alert.line,
        subject: 'alert',
        verdict: 'warning',
        message: 'the alert states no severity',
        fix: 'add "Severity: P1" (a level of the severity table)',
      });
    if (alert.threshold && alert.durationMs !== undefined && alert.severity)
      at({
        line: alert.line,
        subject: 'alert',
        verdict: 'ok',
        message: `${alert.threshold.text}, ${alert.durationMs / 60_000} min, ${alert.severity}`,
      });
  }
  let session: SqlSession | undefined;
  let block: number | undefined;
  for (const step of runbook.steps) {
    const sql = sqlOf(step);
    if (sql !== undefined) {
      // A block's statements run in one session: a table created in one step is there in the next.
      if (!session || step.block !== block) session = new SqlSession(schema);
      block = step.block;
      const result = session.check(sql);
      const offset = step.kind === 'sql' ? step.line - 1 : 0;
      if (result.findings.length === 0) {
        at({
          line: step.line,
          subject: 'sql',
          verdict: 'ok',
          message: `parses; names ${result.tables.join(', ') || 'no table'}`,
        });
      }
      for (const finding of result.findings) {
        at({
          line: step.kind === 'sql' ? offset + finding.line : step.line,
          subject: 'sql',
          // A statement too deep to check is neither broken nor ok: a person looks at it.
          verdict: finding.kind === 'unchecked' ? 'warning' : 'broken',
          message: finding.message,
          ...(fixFor(finding.kind, finding.message) ? { fix: fixFor(finding.kind, finding.message) } : {}),
        });
      }
      continue;
    }
    if (step.kind === 'shell') {
      const plan = planShellCommand(step.text);
      if (plan.kind === 'manual')
        at({ line: step.line, subject: 'shell', verdict: 'manual', message: plan.reason });
      else
        at({
          line: step.line,
          subject: 'shell',
          verdict: 'ok',
          message:
            plan.kind === 'parameter'
              ? `\`${plan.via}\`: carried out as its local equivalent (ALTER SYSTEM SET ${plan.changes.map((c) => c.name).join(', ')} + reload) by runbook verify`
              : `runs as written (${plan.programs.join(' | ')})${step.action ? `: ${step.action}` : ''}`,
        });
    }
  }
  // A check whose findings no procedure handles leaves the responder with a result and nothing to do.
  for (const step of runbook.steps) {
    if (changesState(step)) continue;
    const plan = step.kind === 'shell' && !step.sql ? planShellCommand(step.text) : undefined;
    if (plan && plan.kind !== 'run') continue;
    const coverage = coverageOf(runbook, step, changesState);
    if (coverage && !coverage.covered)
      at({
        line: step.line,
        subject: 'coverage',
        verdict: 'warning',
        message: `"${coverage.subject}": no procedure of this runbook handles what it finds (its procedures: ${coverage.procedures.join('; ') || 'none'})`,
        fix: 'add a procedure for its findings, or a branch after it ("If … → …")',
      });
  }
  // psql's own commands in a SQL block are no SQL: said so, rather than skipped in silence.
  for (const block of runbook.codeBlocks.filter((candidate) => candidate.lang === 'sql')) {
    for (const part of splitSqlScript(block.code).filter((candidate) => candidate.kind === 'psql')) {
      at({
        line: block.line + part.line - 1,
        subject: 'psql',
        verdict: 'manual',
        message: `psql meta-command \`${part.text.trim()}\`: psql carries it out, not the server; not checked`,
      });
    }
  }
  for (const decision of runbook.decisions) {
    if (!decision.target) continue;
    const known =
      document.runbooks.some((other) => decision.target === `Runbook ${other.number}`) ||
      document.runbooks.some((other) =>
        other.sections.some((section) =>
          section.title.toLowerCase().startsWith(decision.target!.toLowerCase()),
        ),
      );
    at({
      line: decision.line,
      subject: 'decision',
      verdict: known ? 'ok' : 'warning',
      message: known
        ? `"${decision.condition}" leads to "${decision.target}"`
        : `"${decision.condition}" leads to "${decision.target}", which is no section of this document`,
      ...(known ? {} : { fix: `add a "${decision.target}" section or point at an existing one` }),
    });
  }
  const lines = runbook.text.split('\n');
  if (!lines.some((line) => VERIFICATION.test(line)) && runbook.claims.length === 0) {
    at({
      line: runbook.line,
      subject: 'verification',
      verdict: 'warning',
      message: 'no step verifies that the fix worked',
      fix: 'add a check with its expected result (e.g. "Verify: error rate < 0.5% within 2 minutes")',
    });
  }
  return findings;
}

function fixFor(kind: string, message: string): string | undefined {
  if (kind === 'syntax') return 'make the statement valid PostgreSQL';
  if (/no FROM clause/.test(message)) {
    return 'the name stands for a value from an earlier query: write the value, or select it in the same statement (… FROM pg_stat_activity WHERE …)';
  }
  return undefined;
}
