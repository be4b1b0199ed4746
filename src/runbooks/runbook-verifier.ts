import { REMEDY_ACTIONS } from '../remediation/registry.ts';
import { withDatabase } from '../stack/database-session.ts';
import type { Stack } from '../stack/stack.ts';
import { claimsFor, judgeMeasuredClaims, judgeQueryClaim, statementOfClaim } from './judge-claims.ts';
import { findRunbookStep, fixUnit } from './match-step.ts';
import type { ParsedRunbook } from './parse-runbook.ts';
import { concernsScenario, inProcedure } from './procedure-section.ts';
import { diagnosticSteps, type Evidence, runDiagnostics } from './run-diagnostics.ts';
import { firstError, runFixAsWritten } from './run-fix.ts';
import { isObservation, observe, observeAlertMetric } from './run-observations.ts';
import { checkSql, loadSqlParser, type SqlSchema } from './sql-check/index.ts';
import { type RunbookStep, sqlOf } from './steps.ts';
import type { ClaimResult, RunbookCheck, StepVerdict } from './verdicts.ts';

const EXPECTED_FIX = 'runs as written and the incident resolves';

/** A step carried out during the fault, whose verdict waits for the incident's outcome. */
interface Pending {
  check: Pick<RunbookCheck, 'line' | 'step' | 'expected'>;
  did: string;
  /** A shell step gameday has no action for: a person's step, whatever the outcome. */
  manual?: boolean;
}

/**
 * `gameday runbook verify` for one scenario: tries the runbook's own steps against the live fault and
 * judges each one. Diagnostic queries run while the fault is live; a SQL fix runs exactly as written in
 * place of the harness's own remedy step (which takes over only if PostgreSQL refuses the runbook's);
 * shell steps are carried out through the gameday action they map to; and, once the incident is over,
 * the runbook's numbers are compared with what was measured.
 */
export class RunbookVerifier {
  private readonly checks: RunbookCheck[] = [];
  private readonly pending: Pending[] = [];

  constructor(
    private readonly runbook: ParsedRunbook,
    private readonly schema: SqlSchema,
    private readonly scenario: { id: string; procedure?: string },
  ) {}

  results(): RunbookCheck[] {
    return [...this.checks].sort((a, b) => a.line - b.line);
  }

  private add(check: StepVerdict): void {
    this.checks.push({ runbook: this.runbook.number, scenario: this.scenario.id, ...check });
  }

  /**
   * While the fault is live: the runbook's read-only queries, judged by what the harness knows about
   * the fault; its looking-only shell steps (health, metrics, logs, pods); its alert's metric.
   */
  async duringFault(stack: Stack, evidence: Evidence[]): Promise<RunbookCheck[]> {
    const start = this.checks.length;
    const queries = await runDiagnostics({
      url: stack.database.adminUrl(),
      runbook: this.runbook.number,
      scenario: this.scenario.id,
      procedure: this.scenario.procedure,
      steps: diagnosticSteps(this.runbook.steps, this.scenario.procedure),
      evidence,
      schema: this.schema,
    });
    this.checks.push(...queries);
    const observations = this.runbook.steps.filter(
      (step) => isObservation(step) && concernsScenario(step.section, this.scenario.procedure),
    );
    for (const step of observations) this.add(await observe(stack, step));
    const metric = this.runbook.alert && (await observeAlertMetric(stack, this.runbook.alert));
    if (metric) this.add(metric);
    return this.checks.slice(start);
  }

  private stepFor(written: string | undefined, action: string): RunbookStep | undefined {
    const looksLike = REMEDY_ACTIONS[action]?.looksLike;
    return findRunbookStep(this.runbook.steps, written, this.scenario.procedure, looksLike);
  }

  /**
   * Before the harness carries out a remedy step: when the runbook's step is SQL that changes
   * something, runs it as written. Returns what it did when that worked (the harness's own action is
   * then not needed), or undefined: not a SQL fix, or PostgreSQL refused it (recorded as broken).
   */
  async tryFix(url: string, written: string | undefined, action: string): Promise<string | undefined> {
    await loadSqlParser();
    const step = this.stepFor(written, action);
    const sql = step && sqlOf(step);
    if (!step || sql === undefined || checkSql(sql, this.schema).readOnly) return undefined;
    const unit = fixUnit(this.runbook.steps, step);
    const run = await runFixAsWritten(url, unit);
    const lines = unit.length > 1 ? `lines ${unit[0]!.line}–${unit.at(-1)!.endLine}` : `line ${step.line}`;
    const check = { line: step.line, step: unit.map((s) => s.text).join('\n'), expected: EXPECTED_FIX };
    const refused = firstError(run);
    if (refused) {
      this.add({
        ...check,
        status: 'broken',
        seen: `as written (${lines}), PostgreSQL refused line ${refused.line}: ${refused.error}; the harness's ${action} did it instead`,
      });
      return undefined;
    }
    const rows = run.statements.reduce((total, statement) => total + statement.rows, 0);
    const did = `ran as written (${lines}) in ${run.durationMs} ms, ${rows} row(s)`;
    this.pending.push({ check, did });
    return did;
  }

  /** The harness carried out a remedy step its own way: judge the runbook's shell step it stands for. */
  carriedOut(written: string | undefined, action: string, detail: string): void {
    const step = this.stepFor(written, action);
    if (step?.kind !== 'shell' || step.sql) return;
    const check = { line: step.line, step: step.text, expected: EXPECTED_FIX };
    if (step.action) this.pending.push({ check, did: `carried out as gameday's ${action}: ${detail}` });
    else
      this.pending.push({
        check,
        did: `no gameday action runs \`${step.tool}\`; the harness's ${action} stood in: ${detail}`,
        manual: true,
      });
  }

  /**
   * The incident is over (resolved or given up on): fixes get their verdict, the procedure's remaining
   * shell steps nobody could automate are listed as manual, and the runbook's claims are judged.
   */
  async conclude(
    url: string,
    outcome: { resolved: boolean; why: string; claims: readonly ClaimResult[] },
  ): Promise<void> {
    for (const { check, did, manual } of this.pending) {
      const status = manual ? 'manual' : outcome.resolved ? 'ok' : 'inaccurate';
      this.add({ ...check, status, seen: `${did}; ${outcome.why}` });
    }
    const reported = new Set(this.checks.map((check) => check.line));
    for (const step of this.runbook.steps) {
      if (
        !inProcedure(step.section, this.scenario.procedure) ||
        step.kind !== 'shell' ||
        step.action ||
        step.sql ||
        reported.has(step.line)
      )
        continue;
      this.add({
        line: step.line,
        step: step.text,
        status: 'manual',
        expected: 'a step gameday can carry out or observe',
        seen: `a person runs \`${step.tool}\` here: gameday has no action for it`,
      });
    }
    const claims = claimsFor(this.runbook, this.scenario.procedure);
    for (const judged of judgeMeasuredClaims(claims, outcome.claims)) this.add(judged);
    if (!outcome.resolved) return;
    await withDatabase(url, async (client) => {
      for (const claim of claims) {
        const statement = statementOfClaim(this.runbook, claim);
        const judged = statement && (await judgeQueryClaim(client, claim, statement));
        if (judged) this.add(judged);
      }
    });
  }
}
