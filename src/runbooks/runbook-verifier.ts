import pg from 'pg';
import { formatMs } from '../core/format.ts';
import { REMEDY_ACTIONS } from '../remediation/registry.ts';
import { withDatabase } from '../stack/database-session.ts';
import { claimsFor, judgeMeasuredClaims, judgeQueryClaim, statementOfClaim } from './judge-claims.ts';
import {
  type ConnectionNumbers,
  documentNumbers,
  judgeConnectionBudget,
  numbersOf,
} from './judge-numbers.ts';
import { judgeShellRun } from './judge-shell.ts';
import { findRunbookStep, fixUnit } from './match-step.ts';
import type { ParsedRunbook, RunbookDocument } from './parse-runbook.ts';
import { concernsScenario, inProcedure } from './procedure-section.ts';
import { effectOnReplicas } from './replica-effect.ts';
import { describePools, replicaStates } from './replica-state.ts';
import { confirmsFix, diagnosticSteps, type Evidence, runDiagnostics } from './run-diagnostics.ts';
import { firstError, runFixAsWritten } from './run-fix.ts';
import { observeAlertMetric } from './run-observations.ts';
import { runAsWritten } from './run-shell.ts';
import {
  judgeParameter,
  type ParameterState,
  parameterStates,
  type SettingChange,
  settingChangesOf,
  undoSqlOf,
} from './setting-changes.ts';
import { SettingProbe } from './setting-effect.ts';
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
import type { VerifyContext } from './verify-context.ts';

const EXPECTED_FIX = 'runs as written and the incident resolves';
/** How long a settings change is watched for reaching the backend's pooled connections (wall ms). */
const EFFECT_WINDOW_MS = 10_000;
/** How long a looking-only command may run (a `-w` watch is ended here). */
const LOOK_DEADLINE_MS = 20_000;

/** A step carried out during the fault, whose verdict waits for the incident's outcome. */
interface Pending {
  base: Pick<StepVerdict, 'line' | 'step' | 'expected'>;
  judgements: Judgement[];
  worked: WhatWorked[];
  /** The step did the job itself (judged by the outcome); otherwise the harness stood in. */
  didIt: boolean;
  /** A judgement still being measured (a settings change reaching the pool). */
  later?: Promise<{ judgement: Judgement; worked: WhatWorked[] } | undefined>;
}

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
  private readonly pending = new Map<number, Pending>();
  /** Lines already carried out by this verifier (a settings step the remedy names again). */
  private readonly carried = new Map<number, string>();
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
        if (plan.kind === 'parameter') await this.parameterStep(context, step, plan.changes, plan.via);
      } else if (sql !== undefined && settingChangesOf(sql).length > 0) {
        await this.settingStep(context, step);
      }
    }
  }

  /** A cloud parameter change, carried out as ALTER SYSTEM SET + pg_reload_conf() and judged at once. */
  private async parameterStep(
    context: VerifyContext,
    step: RunbookStep,
    changes: { name: string; value: string; applyMethod?: string }[],
    via: string,
  ): Promise<void> {
    const url = context.stack.database.adminUrl();
    const judgements: Judgement[] = [];
    const worked: WhatWorked[] = [];
    const sql = changes.map(
      (c) => `ALTER SYSTEM SET ${pg.escapeIdentifier(c.name)} = ${pg.escapeLiteral(c.value)}`,
    );
    await withDatabase(url, async (client) => {
      const before = await parameterStates(
        client,
        changes.map((change) => change.name),
      );
      for (const change of changes)
        await context.registerUndo(
          `runbook line ${step.line}: ${change.name} set by ALTER SYSTEM`,
          () => resetParameter(context, change.name),
          { sql: `ALTER SYSTEM RESET ${change.name}; SELECT pg_reload_conf();` },
        );
      try {
        for (const statement of sql) await client.query(statement);
        await client.query('SELECT pg_reload_conf()');
      } catch (error) {
        judgements.push({
          rule: 'runs',
          status: 'broken',
          observed: `PostgreSQL refused its local equivalent: ${(error as Error).message}`,
        });
        return;
      }
      judgements.push({
        rule: 'runs',
        status: 'ok',
        observed: `carried out here as its local equivalent (${via} → ${sql.join('; ')}; SELECT pg_reload_conf())`,
      });
      await sleepMs(200);
      const after = await parameterStates(
        client,
        changes.map((change) => change.name),
      );
      for (const change of changes) {
        const judgedChange = judgeParameter(
          change,
          before.find((state) => state.name === change.name),
          after.find((state) => state.name === change.name),
        );
        judgements.push({ rule: 'applies', status: judgedChange.status, observed: judgedChange.observed });
        if (judgedChange.status !== 'ok') worked.push(judgedChange.worked);
      }
    });
    const budget = await this.budgetJudgement(context, step);
    if (budget) {
      judgements.push(budget.judgement);
      if (budget.worked) worked.push(budget.worked);
    }
    this.carried.set(step.line, 'parameter');
    this.add(
      verdictOf(
        { line: step.line, step: step.text, expected: 'the change applies as the step says' },
        judgements,
        worked,
      ),
    );
  }

  /** A SQL settings change, run as written with a probe session open before it; judged once measured. */
  private async settingStep(context: VerifyContext, step: RunbookStep): Promise<string | undefined> {
    const unit = withReload(this.runbook.steps, fixUnit(this.runbook.steps, step));
    const changes = unit.flatMap((s) => settingChangesOf(sqlOf(s)!));
    await this.registerSettingUndos(context, step, changes);
    const { database } = context.stack.endpoints;
    const target = {
      appUrl: database.appUrl,
      adminUrl: context.stack.database.adminUrl(),
      appUser: database.appUser,
      appDatabase: database.appDatabase,
    };
    const probe = await SettingProbe.open(target, changes).catch(() => undefined);
    const before = await withDatabase(target.adminUrl, (client) =>
      parameterStates(client, [...new Set(changes.map((change) => change.name))]),
    );
    const run = await runFixAsWritten(target.adminUrl, unit);
    const lines = unit.length > 1 ? `lines ${unit[0]!.line}–${unit.at(-1)!.endLine}` : `line ${step.line}`;
    const base = { line: step.line, step: unit.map((s) => s.text).join('\n'), expected: EXPECTED_FIX };
    const refused = firstError(run);
    this.carried.set(step.line, 'setting');
    if (refused) {
      await probe?.close();
      this.pending.set(step.line, {
        base,
        judgements: [
          {
            rule: 'runs',
            status: 'broken',
            observed: `as written (${lines}), PostgreSQL refused line ${refused.line}: ${refused.error}`,
          },
        ],
        worked: [],
        didIt: false,
      });
      return undefined;
    }
    const did = `ran as written (${lines}) in ${run.durationMs} ms`;
    // A reload reaches the sessions when they next read a command: give the signal a moment.
    if (unit.some((s) => /pg_reload_conf/i.test(sqlOf(s) ?? ''))) await sleepMs(500);
    // Seen at once, before the procedure's next step can change the same setting.
    const observed = await probe?.observe().then(
      () => true,
      () => false,
    );
    const judgements: Judgement[] = [{ rule: 'runs', status: 'ok', observed: did }];
    const worked: WhatWorked[] = [];
    const system = changes.filter((change) => change.scope === 'system');
    if (system.length > 0) {
      const after = await withDatabase(target.adminUrl, (client) =>
        parameterStates(
          client,
          system.map((c) => c.name),
        ),
      );
      for (const change of system) {
        const judgedChange = judgeParameter(
          { name: change.name, value: change.value ?? 'default' },
          before.find((state) => state.name === change.name),
          after.find((state) => state.name === change.name),
        );
        judgements.push({ rule: 'applies', status: judgedChange.status, observed: judgedChange.observed });
        if (judgedChange.status !== 'ok') worked.push(judgedChange.worked);
      }
    }
    const contexts = Object.fromEntries(before.map((state: ParameterState) => [state.name, state.context]));
    const lifetime = context.stack.backend.history().at(-1)?.env.DATABASE_POOL_MAX_LIFETIME_SECONDS;
    const replacement =
      lifetime && lifetime !== '0'
        ? `DATABASE_POOL_MAX_LIFETIME_SECONDS=${lifetime}: a connection is replaced after ${lifetime} s`
        : 'DATABASE_POOL_MAX_LIFETIME_SECONDS is not set: never by age, only when one fails or idles out';
    const later =
      probe && observed
        ? probe
            .judge({ windowMs: EFFECT_WINDOW_MS, replacement, context: contexts })
            .catch((error: Error) => ({
              judgement: {
                rule: 'effect' as const,
                status: 'manual' as const,
                observed: `its effect could not be measured: ${error.message}`,
              },
              worked: [],
            }))
        : Promise.resolve({
            judgement: {
              rule: 'effect' as const,
              status: 'manual' as const,
              observed:
                'its effect on the application’s sessions could not be measured: no session as the application could be opened',
            },
            worked: [],
          });
    this.pending.set(step.line, { base, judgements, worked, didIt: true, later });
    return did;
  }

  private async registerSettingUndos(
    context: VerifyContext,
    step: RunbookStep,
    changes: SettingChange[],
  ): Promise<void> {
    for (const change of changes) {
      const undo = undoSqlOf(change);
      if (!undo) continue;
      await context.registerUndo(
        `runbook line ${step.line}: ${change.name} set ${change.scope === 'system' ? 'by ALTER SYSTEM' : `for ${change.scope} ${change.target}`}`,
        async () => {
          await withDatabase(context.stack.database.adminUrl(), async (client) => {
            await client.query(undo);
            if (change.scope === 'system') await client.query('SELECT pg_reload_conf()');
          });
        },
        { sql: undo },
      );
    }
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
    if (step.kind === 'shell' && !step.sql) return this.tryShellFix(context, step, action);
    if (sql === undefined || checkSql(sql, this.schema).readOnly) return undefined;
    if (settingChangesOf(sql).length > 0) return this.settingStep(context, step);
    const unit = fixUnit(this.runbook.steps, step);
    const run = await runFixAsWritten(context.stack.database.adminUrl(), unit);
    const lines = unit.length > 1 ? `lines ${unit[0]!.line}–${unit.at(-1)!.endLine}` : `line ${step.line}`;
    const base = { line: step.line, step: unit.map((s) => s.text).join('\n'), expected: EXPECTED_FIX };
    const refused = firstError(run);
    this.carried.set(step.line, 'sql');
    if (refused) {
      this.pending.set(step.line, {
        base,
        judgements: [
          {
            rule: 'runs',
            status: 'broken',
            observed: `as written (${lines}), PostgreSQL refused line ${refused.line}: ${refused.error}`,
          },
        ],
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

  /** A fix command, run as written; its effect on the replicas decides whether the harness must step in. */
  private async tryShellFix(
    context: VerifyContext,
    step: RunbookStep,
    action: string,
  ): Promise<string | undefined> {
    const plan = planShellCommand(step.text);
    // A stack smaller than the runbook's: the harness scales to its own number; the written one is judged.
    if (plan.kind !== 'run' || plan.looks || action === 'scale') return undefined;
    const base = { line: step.line, step: step.text, expected: EXPECTED_FIX };
    const run = await runAsWritten(step.text, context.shell, {
      timeoutMs: context.fixDeadlineMs,
      looksOnly: false,
    });
    this.carried.set(step.line, 'shell');
    const ran = judgeShellRun(step, run, { evidence: [], moment: 'after-fix', own: true }).filter(
      (judgement) => judgement.rule !== 'shows-fault' || judgement.status !== 'ok',
    );
    const output = run.stdout.trim().split('\n').at(-1) ?? '';
    const judgements: Judgement[] = withSubstitutions(
      ran.length > 0 && ran.some((j) => j.status !== 'ok')
        ? ran
        : [
            {
              rule: 'runs',
              status: 'ok',
              observed: `ran as written through ${describeTools(run.calls)} in ${formatMs(run.durationMs)}${output ? `: ${output.slice(0, 100)}` : ''}`,
            },
          ],
      run.substitutions,
    );
    if (judgements.some((judgement) => judgement.status === 'broken' || judgement.status === 'manual')) {
      this.pending.set(step.line, { base, judgements, worked: [], didIt: false });
      return undefined;
    }
    const effect = await effectOnReplicas(context.stack, action, run.command, run.durationMs).catch(
      () => undefined,
    );
    if (effect) judgements.push(effect);
    const budget = await this.budgetJudgement(context, step);
    if (budget) judgements.push(budget.judgement);
    const worked = budget?.worked ? [budget.worked] : [];
    if (effect?.status === 'inaccurate') {
      // It ran, but did not reach every replica: the harness finishes the job, so the next step is tried.
      this.pending.set(step.line, { base, judgements, worked, didIt: false });
      return undefined;
    }
    this.pending.set(step.line, {
      base,
      judgements,
      worked: [{ kind: 'command', command: run.command, output: run.stdout.slice(0, 500) }, ...worked],
      didIt: true,
    });
    return judgements[0]!.observed;
  }

  /** The harness carried out a remedy step its own way: the runbook's step it stands for is judged. */
  async carriedOut(
    context: VerifyContext,
    written: string | undefined,
    action: string,
    detail: string,
  ): Promise<void> {
    const step = this.stepFor(written, action);
    if (!step) return;
    const stoodIn: WhatWorked = { kind: 'harness-action', action, detail };
    const already = this.pending.get(step.line);
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
    const budget = await this.budgetJudgement(context, step);
    if (budget) judgements.push(budget.judgement);
    this.pending.set(step.line, {
      base,
      judgements,
      worked: [stoodIn, ...(budget?.worked ? [budget.worked] : [])],
      didIt: true,
    });
  }

  /**
   * The connection numbers a step writes (pool per pod, pods, max_connections), judged as written
   * against the database's limit here and the runbook's other numbers; undefined for other steps.
   */
  private async budgetJudgement(
    context: VerifyContext,
    step: RunbookStep,
    carried = true,
  ): Promise<{ judgement: Judgement; worked?: WhatWorked } | undefined> {
    const own = numbersOf(step);
    if (own.pool === undefined && own.replicas === undefined && own.maxConnections === undefined)
      return undefined;
    const written = this.document ? documentNumbers(this.document) : {};
    const states = await replicaStates(context.stack).catch(() => []);
    const livePool = Math.max(0, ...states.map((state) => state.pool?.max ?? 0)) || 20;
    const live = await withDatabase(context.stack.database.adminUrl(), async (client) => {
      const settings = await parameterStates(client, [
        'max_connections',
        'superuser_reserved_connections',
        'reserved_connections',
      ]);
      const value = (name: string) => Number(settings.find((state) => state.name === name)?.setting ?? 0);
      const { rows } = await client.query<{ others: number }>(
        `SELECT count(*)::int AS others FROM pg_stat_activity
          WHERE backend_type = 'client backend' AND application_name NOT LIKE 'chat-backend/%'`,
      );
      return {
        max: value('max_connections'),
        reserved: value('superuser_reserved_connections') + value('reserved_connections'),
        others: rows[0]?.others ?? 0,
      };
    });
    const at = (value: number | undefined) => (value === undefined ? undefined : { value, line: step.line });
    const numbers: ConnectionNumbers = {
      pool: { written: at(own.pool) ?? written.pool, live: livePool },
      replicas: { written: at(own.replicas) ?? written.replicas, live: states.length },
      maxConnections: {
        written: at(own.maxConnections) ?? written.maxConnections,
        live: live.max,
        reserved: live.reserved,
      },
      others: live.others,
    };
    return judgeConnectionBudget(
      step.line,
      numbers,
      { pool: carried ? (own.pool ?? livePool) : livePool, replicas: states.length },
      carried,
    );
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
      const budget =
        Object.keys(numbersOf(step)).length > 0 && (await this.budgetJudgement(context, step, false));
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

/** An ALTER SYSTEM step followed in its block by `SELECT pg_reload_conf();`: the two run together. */
function withReload(steps: readonly RunbookStep[], unit: RunbookStep[]): RunbookStep[] {
  const last = unit.at(-1)!;
  const next = steps.find((step) => step.block === last.block && step.line > last.endLine);
  const reload = next && /^\s*select\s+pg_reload_conf\s*\(\s*\)\s*;?\s*$/i.test(sqlOf(next) ?? '');
  return reload ? [...unit, next] : unit;
}

async function resetParameter(context: VerifyContext, name: string): Promise<void> {
  await withDatabase(context.stack.database.adminUrl(), async (client) => {
    await client.query(`ALTER SYSTEM RESET ${pg.escapeIdentifier(name)}`);
    await client.query('SELECT pg_reload_conf()');
  });
}

function describeTools(calls: { tool: string }[]): string {
  const tools = [...new Set(calls.map((call) => call.tool))];
  return tools.length > 0 ? `the stack's ${tools.join(', ')}` : 'the shell';
}

/** The substitutions made for this stack (a database URL, a namespace), said in the first judgement. */
function withSubstitutions(judgements: Judgement[], substitutions: string[]): Judgement[] {
  if (substitutions.length === 0 || judgements.length === 0) return judgements;
  const [first, ...rest] = judgements;
  return [{ ...first!, observed: `${first!.observed} (here: ${substitutions.join('; ')})` }, ...rest];
}

const sleepMs = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
