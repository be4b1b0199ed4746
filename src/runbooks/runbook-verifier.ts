import { REMEDY_ACTIONS } from '../remediation/registry.ts';
import { withDatabase } from '../stack/database-session.ts';
import { claimsFor, judgeMeasuredClaims, judgeQueryClaim, statementOfClaim } from './judge-claims.ts';
import { numbersOf } from './judge-numbers.ts';
import { judgeShellRun } from './judge-shell.ts';
import { connectionBudget } from './live-numbers.ts';
import { findRunbookStep, fixUnit } from './match-step.ts';
import type { ParsedRunbook, RunbookDocument } from './parse-runbook.ts';
import { concernsScenario, inProcedure } from './procedure-section.ts';
import { describePools, replicaStates } from './replica-state.ts';
import { confirmsFix, diagnosticSteps, type Evidence, runDiagnostics } from './run-diagnostics.ts';
import { firstError, runFixAsWritten } from './run-fix.ts';
import { observeAlertMetric } from './run-observations.ts';
import { runAsWritten } from './run-shell.ts';
import { settingChangesOf } from './setting-changes.ts';
import { planShellCommand } from './shell-command.ts';
import { checkSql, loadSqlParser, type SqlSchema } from './sql-check/index.ts';
import { type RunbookStep, sqlOf } from './steps.ts';
import {
  type ClaimResult,
  type Judgement,
  judged,
  type RunbookCheck,
  type StepVerdict,
  verdictOf,
  type WhatWorked,
} from './verdicts.ts';
import type { PendingFix, VerifyContext } from './verify-context.ts';
import { carryOutParameterStep, EXPECTED_FIX, runSettingStep } from './verify-settings.ts';
import { runShellFix, withSubstitutions } from './verify-shell-fix.ts';

/** How long a looking-only command may run (a `-w` watch is ended here). */
const LOOK_DEADLINE_MS = 20_000;

/**
 * `gameday runbook verify` for one scenario: tries the runbook's own steps against the live fault and
 * judges each by what it does, not only by whether it ran. Diagnostic queries and looking-only commands
 * run while the fault is live and must show it (and contain what their labels say); a procedure's
 * settings and server-parameter changes are carried out and judged by when they really apply; a fix
 * runs exactly as written (SQL, or a command through zx with the stack's kubectl, psql and curl), its
 * effect is checked on the replicas and sessions that serve users, and the harness's own remedy stands
 * in only where the runbook's fails; the runbook's numbers are judged as written; and once the
 * incident is over, the steps that confirm the fix and the runbook's claims are measured.
 */
export class RunbookVerifier {
  private readonly checks: RunbookCheck[] = [];
  private readonly pending = new Map<number, PendingFix>();
  /** Lines already carried out by this verifier (a settings step the remedy names again). */
  private readonly carried = new Set<number>();
  private evidence: Evidence[] = [];

  constructor(
    private readonly runbook: ParsedRunbook,
    private readonly schema: SqlSchema,
    private readonly scenario: { id: string; procedure?: string },
    private readonly document?: RunbookDocument,
  ) {}

  results(): RunbookCheck[] {
    return [...this.checks].sort((a, b) => a.line - b.line);
  }

  private add(check: StepVerdict): void {
    this.checks.push({ runbook: this.runbook.number, scenario: this.scenario.id, ...check });
  }

  /**
   * While the fault is live: the runbook's read-only queries and looking-only commands, judged by what
   * the harness knows about the fault; its alert's metric. `absent`: what the harness knows is not
   * happening, for the checks of another kind of incident that find nothing.
   */
  async duringFault(
    context: VerifyContext,
    evidence: Evidence[],
    absent: string[] = [],
  ): Promise<RunbookCheck[]> {
    await loadSqlParser();
    this.evidence = evidence;
    const start = this.checks.length;
    const { stack } = context;
    const procedure = this.scenario.procedure;
    const states = await replicaStates(stack).catch(() => []);
    const queries = await runDiagnostics({
      url: stack.database.adminUrl(),
      runbook: this.runbook,
      scenario: this.scenario.id,
      procedure,
      steps: diagnosticSteps(this.runbook.steps, procedure).filter((step) => !confirmsFix(step, procedure)),
      evidence,
      schema: this.schema,
      absent,
      ...(describePools(states) ? { poolState: describePools(states)! } : {}),
    });
    this.checks.push(...queries);
    for (const step of this.runbook.steps) {
      if (!concernsScenario(step.section, procedure) || confirmsFix(step, procedure)) continue;
      const sql = sqlOf(step);
      if (sql !== undefined && step.kind === 'sql' && checkSql(sql, this.schema).usesPsql)
        this.add(
          judged(
            { line: step.line, step: sql, expected: 'SQL the server can run' },
            'manual',
            'manual',
            'it uses psql’s own syntax (a meta-command or :variable): run it in psql; gameday sends SQL to the server as it is',
          ),
        );
      if (step.kind !== 'shell' || step.sql) continue;
      const plan = planShellCommand(step.text);
      if (plan.kind === 'run' && plan.looks) this.add(await this.look(context, step, 'during-fault'));
    }
    const metric = this.runbook.alert && (await observeAlertMetric(stack, this.runbook.alert));
    if (metric) this.add(metric);
    return this.checks.slice(start);
  }

  /** A looking-only command, run as written and judged like a query. */
  private async look(
    context: VerifyContext,
    step: RunbookStep,
    moment: 'during-fault' | 'after-fix',
  ): Promise<StepVerdict> {
    const run = await runAsWritten(step.text, context.shell, {
      timeoutMs: LOOK_DEADLINE_MS,
      looksOnly: true,
    });
    const judgements = judgeShellRun(step, run, {
      evidence: this.evidence,
      moment,
      own: inProcedure(step.section, this.scenario.procedure),
    });
    const expected =
      moment === 'after-fix'
        ? 'after the fix: what its comments say, none of the fault'
        : this.evidence.map((e) => e.description).join('; ') || 'what its comments say';
    return verdictOf(
      { line: step.line, step: step.text, expected },
      withSubstitutions(judgements, run.substitutions),
    );
  }

  private stepFor(written: string | undefined, action: string): RunbookStep | undefined {
    const looksLike = REMEDY_ACTIONS[action]?.looksLike;
    return findRunbookStep(this.runbook.steps, written, this.scenario.procedure, looksLike);
  }

  /**
   * The procedure's settings changes, carried out before its fix: a cloud parameter change
   * (`aws rds modify-db-parameter-group`) as its local equivalent, ALTER SYSTEM / DATABASE / ROLE … SET
   * as written; each judged by when it applies, whether it reaches the sessions already open, and
   * (max_connections) against the runbook's other numbers. Their undo is registered first.
   */
  async procedureSettings(context: VerifyContext): Promise<void> {
    await loadSqlParser();
    for (const step of this.runbook.steps) {
      if (!inProcedure(step.section, this.scenario.procedure) || this.carried.has(step.line)) continue;
      const sql = sqlOf(step);
      if (step.kind === 'shell' && !step.sql) {
        const plan = planShellCommand(step.text);
        if (plan.kind !== 'parameter') continue;
        const { judgements, worked } = await carryOutParameterStep(context, step, plan.changes, plan.via);
        const budget = await this.budget(context, step);
        if (budget) {
          judgements.push(budget.judgement);
          if (budget.worked) worked.push(budget.worked);
        }
        this.carried.add(step.line);
        this.add(
          verdictOf(
            { line: step.line, step: step.text, expected: 'the change applies as the step says' },
            judgements,
            worked,
          ),
        );
      } else if (sql !== undefined && settingChangesOf(sql).length > 0) {
        this.pending.set(step.line, await runSettingStep(context, this.runbook.steps, step));
        this.carried.add(step.line);
      }
    }
  }

  private budget(context: VerifyContext, step: RunbookStep, carried = true) {
    return connectionBudget(context, step, this.document, carried);
  }

  /**
   * Before the harness carries out a remedy step: the runbook's own step, as written. SQL that changes
   * something runs as psql would; a command runs through zx with the stack's tools, and its effect is
   * checked on every replica. Returns what it did when that did the job (the harness's own action is
   * then not needed), or undefined: not the runbook's to run here, or it failed or fell short (recorded).
   */
  async tryFix(
    context: VerifyContext,
    written: string | undefined,
    action: string,
  ): Promise<string | undefined> {
    await loadSqlParser();
    const step = this.stepFor(written, action);
    if (!step) return undefined;
    if (this.carried.has(step.line)) {
      const done = this.pending.get(step.line);
      return done?.didIt ? done.judgements[0]?.observed : undefined;
    }
    const sql = sqlOf(step);
    if (step.kind === 'shell' && !step.sql) {
      const pending = await runShellFix(context, step, action, (s) => this.budget(context, s));
      if (!pending) return undefined;
      this.carried.add(step.line);
      this.pending.set(step.line, pending);
      return pending.didIt ? pending.judgements[0]!.observed : undefined;
    }
    if (sql === undefined || checkSql(sql, this.schema).readOnly) return undefined;
    this.carried.add(step.line);
    if (settingChangesOf(sql).length > 0) {
      const pending = await runSettingStep(context, this.runbook.steps, step);
      this.pending.set(step.line, pending);
      return pending.didIt ? pending.judgements[0]!.observed : undefined;
    }
    const unit = fixUnit(this.runbook.steps, step);
    const run = await runFixAsWritten(context.stack.database.adminUrl(), unit);
    const lines = unit.length > 1 ? `lines ${unit[0]!.line}–${unit.at(-1)!.endLine}` : `line ${step.line}`;
    const base = { line: step.line, step: unit.map((s) => s.text).join('\n'), expected: EXPECTED_FIX };
    const refused = firstError(run);
    if (refused) {
      const observed = `as written (${lines}), PostgreSQL refused line ${refused.line}: ${refused.error}`;
      this.pending.set(step.line, {
        base,
        judgements: [{ rule: 'runs', status: 'broken', observed }],
        worked: [],
        didIt: false,
      });
      return undefined;
    }
    const rows = run.statements.reduce((total, statement) => total + statement.rows, 0);
    const did = `ran as written (${lines}) in ${run.durationMs} ms, ${rows} row(s)`;
    this.pending.set(step.line, {
      base,
      judgements: [{ rule: 'runs', status: 'ok', observed: did }],
      worked: [],
      didIt: true,
    });
    return did;
  }

  /** The harness carried out a remedy step its own way: the runbook's step it stands for is judged. */
  async carriedOut(
    context: VerifyContext,
    written: string | undefined,
    action: string,
    detail: string,
    /** The action as SQL, when it is SQL (`RemedyAction.asSql`). */
    sql?: string,
  ): Promise<void> {
    const step = this.stepFor(written, action);
    if (!step) return;
    const stoodIn: WhatWorked = { kind: 'harness-action', action, detail, ...(sql ? { sql } : {}) };
    const already = this.pending.get(step.line);
    // A settings step carried out before the fix already has its verdict.
    if (!already && this.carried.has(step.line)) return;
    if (already) {
      already.worked.unshift(stoodIn);
      already.judgements.push({
        rule: 'outcome',
        status: 'ok',
        observed: `the harness's ${action} did it instead: ${detail}`,
      });
      return;
    }
    if (step.kind !== 'shell' || step.sql) return;
    const base = { line: step.line, step: step.text, expected: EXPECTED_FIX };
    const plan = planShellCommand(step.text);
    if (plan.kind === 'manual') {
      this.pending.set(step.line, {
        base,
        judgements: [
          {
            rule: 'manual',
            status: 'manual',
            observed: `${plan.reason}; the harness's ${action} stood in: ${detail}`,
          },
        ],
        worked: [stoodIn],
        didIt: false,
      });
      return;
    }
    const judgements: Judgement[] = [
      {
        rule: 'runs',
        status: 'ok',
        observed: `carried out as gameday's ${action} at this stack's scale: ${detail}`,
      },
    ];
    const budget = await this.budget(context, step);
    if (budget) judgements.push(budget.judgement);
    this.pending.set(step.line, {
      base,
      judgements,
      worked: [stoodIn, ...(budget?.worked ? [budget.worked] : [])],
      didIt: true,
    });
  }

  /**
   * Once the fix is in (the incident resolved): the procedure's steps that confirm it ("Verify rollback
   * success", "Verify query now fast") run and must no longer show the fault.
   */
  async afterFix(context: VerifyContext): Promise<void> {
    await loadSqlParser();
    const procedure = this.scenario.procedure;
    const confirming = this.runbook.steps.filter((step) => confirmsFix(step, procedure));
    const queries = confirming.filter((step) => sqlOf(step) !== undefined);
    if (queries.length > 0)
      this.checks.push(
        ...(await runDiagnostics({
          url: context.stack.database.adminUrl(),
          runbook: this.runbook,
          scenario: this.scenario.id,
          procedure,
          steps: diagnosticSteps(queries, procedure),
          evidence: this.evidence,
          schema: this.schema,
          moment: 'after-fix',
        })),
      );
    for (const step of confirming) {
      if (step.kind !== 'shell' || step.sql) continue;
      const plan = planShellCommand(step.text);
      if (plan.kind === 'run' && plan.looks) this.add(await this.look(context, step, 'after-fix'));
    }
  }

  /**
   * The incident is over (resolved or given up on): fixes get their verdict (with what was still being
   * measured), the procedure's remaining steps nobody could carry out are listed as manual, and the
   * runbook's claims are judged.
   */
  async conclude(
    context: VerifyContext,
    outcome: { resolved: boolean; why: string; claims: readonly ClaimResult[] },
  ): Promise<void> {
    // A check that cannot run now (the database just failed over) must not cost the other verdicts.
    if (outcome.resolved) await this.afterFix(context).catch(() => undefined);
    for (const pending of this.pending.values()) {
      const judgements = [...pending.judgements];
      const worked = [...pending.worked];
      const later = await pending.later;
      if (later) {
        judgements.push(later.judgement);
        worked.push(...later.worked);
      }
      if (pending.didIt)
        judgements.push({
          rule: 'outcome',
          status: outcome.resolved ? 'ok' : 'inaccurate',
          observed: outcome.why,
        });
      this.add(verdictOf(pending.base, judgements, worked));
    }
    const reported = new Set(this.checks.map((check) => check.line));
    // The procedure's numbers no remedy step carried out are judged as written all the same.
    for (const step of this.runbook.steps) {
      if (!inProcedure(step.section, this.scenario.procedure) || reported.has(step.line)) continue;
      const budget = Object.keys(numbersOf(step)).length > 0 && (await this.budget(context, step, false));
      if (!budget) continue;
      this.add(
        verdictOf(
          { line: step.line, step: step.text, expected: 'numbers the system can take' },
          [budget.judgement],
          budget.worked ? [budget.worked] : [],
        ),
      );
      reported.add(step.line);
    }
    for (const step of this.runbook.steps) {
      if (
        !inProcedure(step.section, this.scenario.procedure) ||
        step.kind !== 'shell' ||
        step.sql ||
        reported.has(step.line)
      )
        continue;
      const plan = planShellCommand(step.text);
      if (plan.kind !== 'manual') continue;
      this.add(
        judged(
          { line: step.line, step: step.text, expected: 'a step gameday can carry out or observe' },
          'manual',
          'manual',
          plan.reason,
        ),
      );
    }
    const claims = claimsFor(this.runbook, this.scenario.procedure);
    for (const verdict of judgeMeasuredClaims(claims, outcome.claims)) this.add(verdict);
    if (!outcome.resolved) return;
    await withDatabase(context.stack.database.adminUrl(), async (client) => {
      for (const claim of claims) {
        const statement = statementOfClaim(this.runbook, claim);
        const verdict = statement && (await judgeQueryClaim(client, claim, statement));
        if (verdict) this.add(verdict);
      }
    });
  }
}
