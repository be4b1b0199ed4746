import type { z } from 'zod';
import { Clock } from '../core/clock.ts';
import { type Duration, toMs } from '../core/duration.ts';
import { InputError } from '../core/errors.ts';
import { loadScenarios, validateScenario } from '../engine/load-scenarios.ts';
import { checkParts, type ResolvedScenario, resolveScenario, toExpr } from '../engine/resolve-scenario.ts';
import { nobodyResponds } from '../engine/responses/nobody-responds.ts';
import { runbookRemedy } from '../engine/responses/runbook-remedy.ts';
import type { ScenarioResult } from '../engine/result.ts';
import { DEFAULT_RUNBOOK, DEFAULT_SCENARIOS_DIR, newRunId } from '../engine/run-game-day.ts';
import { runScenario } from '../engine/run-scenario.ts';
import { localServices } from '../engine/scenario-services.ts';
import type { FaultKindName, FaultSpec } from '../faults/registry.ts';
import type { Action } from '../load/load-generator.ts';
import { DEFAULT_TRAFFIC } from '../load/load-generator.ts';
import type { TrafficTotals } from '../load/load-source.ts';
import { WorkerTraffic } from '../load/worker-traffic.ts';
import { type RunbookDocument, readRunbook } from '../runbooks/parse-runbook.ts';
import type { ScenarioDefinition } from '../scenario/define-scenario.ts';
import {
  alertSchema,
  type PlainAlertInput,
  recoveryCheckSchema,
  type ScenarioInput,
} from '../scenario/schema.ts';
import { FaultLedger } from '../stack/fault-ledger.ts';
import type { Secrets, Stack } from '../stack/stack.ts';
import { FaultGuard, type InjectedFault } from './fault-guard.ts';
import { type AlertReader, type Check, type Fired, type Held, StackWatch } from './stack-watch.ts';
import { startTestStack, type TestStackOptions } from './start-stack.ts';

/** A fault kind's parameters, as `inject(kind, params)` takes them (typed from gameday's registry). */
export type FaultParams<K extends FaultKindName> = Omit<Extract<FaultSpec, { kind: K }>, 'kind'>;

/**
 * An alert as a test waits for it: a scenario's alert (`circuitBreakerAlert()`, or one of your own).
 * Its `threshold` is required here, no runbook giving it: `{ ...sendErrorRateAlert(), threshold: 0.01 }`.
 */
export type AlertSpec = Omit<PlainAlertInput, 'unit'> & { unit?: PlainAlertInput['unit'] };

/** A recovery check, as scenario files write them (`sendsSucceedCheck()`). */
export type CheckSpec = NonNullable<NonNullable<ScenarioInput['recovered']>['checks']>[number];

/** An alert or check expression, as scenario files write them (`errorRatio(…)`). */
export type ExprSpec = PlainAlertInput['expr'];

/** The synthetic users gameday runs against the stack (its defaults when left out). */
export interface TrafficSettings {
  users?: number;
  sockets?: number;
  /** Pause between one user's requests (default 80 ms). */
  thinkTime?: Duration;
  /** Weights of each action (send, read-conversation, read-own-messages, list-conversations, upload). */
  mix?: Partial<Record<Action, number>>;
}

/** What the synthetic users saw, and every message the backend acknowledged looked up in the database. */
export interface TrafficReport extends TrafficTotals {
  acknowledged: number;
  /** Acknowledged by the backend, not in the database. */
  lost: string[];
  /** Acknowledged once, stored more than once. */
  duplicated: string[];
}

export interface Traffic {
  /** message_ids acknowledged so far. */
  acknowledged(): string[];
  /** Stops the users (every acknowledgement in) and checks each acknowledged message in the database. */
  stop(): Promise<TrafficReport>;
}

function durationMs(value: Duration | undefined, field: string, fallback?: number): number {
  const parsed = value === undefined ? fallback : toMs(value);
  if (parsed === undefined)
    throw new InputError([
      `${field}: expected a duration like "500ms", "10s" or "2m", got ${JSON.stringify(value)}`,
    ]);
  return parsed;
}

/**
 * One stack for one test file, as gameday/testing gives it: faults injected by kind (each undo
 * registered before the damage, every one reverted by `cleanUp()` after each test), the stack's
 * metrics scraped throughout (an alert's rate window has history when a fault lands), waits for an
 * alert or for recovery whose failures show the series around the deadline, synthetic traffic with
 * its ledger of acknowledged messages, and whole scenarios run by id or by value.
 *
 * Durations in options (`within`, `hold`, `for`) are wall time; durations inside expressions and
 * alerts (windows, an alert's `for`) are runbook time, divided by the stack's time scale, as in
 * scenario files.
 */
export class TestStack {
  private current: Stack | undefined;
  private watch: StackWatch | undefined;
  private guard: FaultGuard | undefined;
  private ledger: FaultLedger | undefined;
  private readonly traffics = new Set<WorkerTraffic>();
  private readonly injections = new Set<Promise<unknown>>();
  private starting: Promise<void> | undefined;
  /** The scenario that used the stack up (a failover): a new one is started before the next use. */
  private spentBy: string | undefined;
  readonly clock: Clock;

  constructor(readonly options: TestStackOptions = {}) {
    this.clock = new Clock(options.timeScale ?? 60);
  }

  /** Starts the stack (useStack does it in beforeAll); safe to call twice. */
  start(): Promise<void> {
    this.starting ??= this.open().catch((error: unknown) => {
      this.starting = undefined;
      throw error;
    });
    return this.starting;
  }

  private async open(): Promise<void> {
    const stack = await startTestStack(this.options);
    try {
      this.ledger = await FaultLedger.open(newRunId(), { kind: stack.kind, id: stack.id });
      this.watch = new StackWatch(stack, this.clock, this.options.scrapeIntervalMs ?? 250, () => []);
      this.guard = new FaultGuard(
        () => this.stack,
        this.ledger,
        this.clock,
        (line) => this.say(line),
      );
      this.current = stack;
      this.watch.start();
    } catch (error) {
      await stack.down();
      throw error;
    }
  }

  private say(line: string): void {
    this.options.onProgress?.(line);
  }

  /** The stack itself: its endpoints, its backend and database controls. */
  get stack(): Stack {
    if (!this.current)
      throw new Error(
        'the stack is not started: useStack() starts it in beforeAll (use it inside tests), startStack() before it returns',
      );
    return this.current;
  }

  /** The front: HTTP and Socket.IO. */
  get frontUrl(): string {
    return this.stack.endpoints.frontUrl;
  }

  get secrets(): Secrets {
    return this.stack.secrets;
  }

  private async usable(): Promise<Stack> {
    if (this.spentBy) {
      this.say(`the stack was used up by ${this.spentBy}; starting a new one`);
      await this.down();
      this.spentBy = undefined;
      await this.start();
    }
    return this.stack;
  }

  /**
   * Injects a fault by kind, its undo registered (and on disk) before any damage; resolves once it
   * is in place, with its undo. Whatever is still in place is reverted by `cleanUp()`.
   */
  inject<K extends FaultKindName>(
    kind: K,
    ...params: Record<string, never> extends FaultParams<K> ? [FaultParams<K>?] : [FaultParams<K>]
  ): Promise<InjectedFault> {
    // Counted from the call itself: a test that never awaits it still has it waited for and reverted.
    const injection = this.usable().then(() => this.guard!.inject(kind, params[0] ?? {}));
    this.injections.add(injection);
    const settled = () => this.injections.delete(injection);
    injection.then(settled, settled);
    return injection;
  }

  /** Reverts every fault still in place, newest first (waiting for any injection still under way). */
  async revertFaults(): Promise<void> {
    await Promise.allSettled([...this.injections]);
    await this.guard?.revertAll();
  }

  /** Starts gameday's synthetic users (logged in as the seeded users); stopped by `cleanUp()` if not before. */
  async startTraffic(settings: TrafficSettings = {}): Promise<Traffic> {
    const stack = await this.usable();
    const traffic = new WorkerTraffic(
      stack.endpoints.frontUrl,
      {
        ...DEFAULT_TRAFFIC,
        password: stack.secrets.userPassword,
        users: settings.users ?? DEFAULT_TRAFFIC.users,
        sockets: settings.sockets ?? DEFAULT_TRAFFIC.sockets,
        thinkTimeMs: durationMs(settings.thinkTime, 'thinkTime', DEFAULT_TRAFFIC.thinkTimeMs),
        mix: { ...DEFAULT_TRAFFIC.mix, ...settings.mix },
      },
      () => stack.database.adminUrl(),
    );
    this.traffics.add(traffic);
    await traffic.start();
    return {
      acknowledged: () => traffic.acknowledged(),
      stop: async () => {
        await this.stopTraffic(traffic);
        const check = await traffic.checkAcknowledged();
        return { ...traffic.totals(), ...check, acknowledged: check.acknowledged };
      },
    };
  }

  private async stopTraffic(traffic: WorkerTraffic): Promise<void> {
    if (!this.traffics.delete(traffic)) return;
    await traffic.stop();
  }

  /** The value of an expression on the latest samples (undefined: no data yet). */
  value(expr: ExprSpec): number | undefined {
    return this.watch?.value(toExpr(parse(alertSchema.shape.expr, expr, 'value(expr)')));
  }

  /**
   * Waits until the alert fires, within `within` (wall time); rejects with its expression's values
   * around the deadline. `source` reads "firing" from an alerting system instead of gameday's own
   * evaluation of the rule (which is still shown in the message).
   */
  async waitForAlert(alert: AlertSpec, options: { within: Duration; source?: AlertReader }): Promise<Fired> {
    await this.usable();
    const spec = parse(
      alertSchema.extend({ unit: alertSchema.shape.unit.optional() }),
      alert,
      'waitForAlert(alert)',
    );
    if (spec.threshold === undefined)
      throw new InputError([
        'waitForAlert(alert): threshold: required here (no runbook gives it): 1 % is 0.01',
      ]);
    return this.watch!.waitForAlert(
      {
        name: spec.name,
        expr: toExpr(spec.expr),
        comparator: spec.comparator ?? '>',
        threshold: spec.threshold,
        forMs: durationMs(spec.for, 'waitForAlert(alert): for', 0),
        severity: 'test',
        runbook: 0,
        origin: 'gameday/testing',
      },
      durationMs(options.within, 'waitForAlert: within'),
      options.source,
    );
  }

  /**
   * Waits until every check holds for `hold` on end (default: one round of samples), having begun to
   * within `within`; rejects with each failing check's values around the deadline.
   */
  async waitForRecovery(
    checks: CheckSpec | CheckSpec[],
    options: { within: Duration; hold?: Duration },
  ): Promise<Held> {
    await this.usable();
    return this.watch!.waitForChecks(
      resolveChecks(checks, 'waitForRecovery'),
      durationMs(options.within, 'waitForRecovery: within'),
      durationMs(options.hold, 'waitForRecovery: hold', 0),
    );
  }

  /** Every check keeps holding for `for` (a fault the system must ride out); rejects at the first miss. */
  async holds(checks: CheckSpec | CheckSpec[], options: { for: Duration }): Promise<void> {
    await this.usable();
    return this.watch!.holds(resolveChecks(checks, 'holds'), durationMs(options.for, 'holds: for'));
  }

  /**
   * Runs a whole scenario on this stack, by id (from `scenarios`, default gameday's own) or as a
   * `defineScenario` value: baseline, fault, detection, the runbook's remedy (or nobody's, with
   * `respond: 'nobody'`), recovery, revert, invariants. Its stack settings (release, environment,
   * replicas) are rolled out for it and rolled back after; after a scenario that uses the stack up
   * (a failover) a new stack is started before the next use.
   */
  async runScenario(
    scenario: string | ScenarioDefinition,
    options: { respond?: 'runbook' | 'nobody' } = {},
  ): Promise<ScenarioResult> {
    const stack = await this.usable();
    const runbooks = await readRunbook(this.options.runbook ?? DEFAULT_RUNBOOK);
    const resolved =
      typeof scenario === 'string'
        ? await this.scenarioById(scenario, runbooks, stack)
        : resolveValue(scenario, runbooks, stack);
    const restore = await this.applySettings(resolved, stack);
    const ledger = await FaultLedger.open(newRunId(), { kind: stack.kind, id: stack.id });
    let result: ScenarioResult;
    try {
      result = await runScenario(
        resolved,
        {
          stack,
          clock: this.clock,
          ledger,
          signal: new AbortController().signal,
          services: localServices(this.clock, this.options.scrapeIntervalMs ?? 250),
          onEvent: (event) =>
            this.say(`${resolved.scenario.id} ${event.kind}${event.detail ? `: ${event.detail}` : ''}`),
        },
        options.respond === 'nobody' ? nobodyResponds : runbookRemedy,
      );
    } finally {
      await ledger.close();
    }
    if (resolved.scenario.stack?.disposable) this.spentBy = resolved.scenario.id;
    else await restore();
    return result;
  }

  private async scenarioById(id: string, runbooks: RunbookDocument, stack: Stack): Promise<ResolvedScenario> {
    const [resolved] = await loadScenarios({
      dir: this.options.scenarios ?? DEFAULT_SCENARIOS_DIR,
      runbooks,
      ids: [id],
      capabilities: stack.capabilities,
      stackKind: stack.kind,
    });
    return resolved!;
  }

  /** The scenario's release, environment and replicas on this stack; returns what puts them back. */
  private async applySettings(resolved: ResolvedScenario, stack: Stack): Promise<() => Promise<void>> {
    const wanted = resolved.scenario.stack ?? {};
    const where = `${resolved.scenario.file}: stack`;
    const seed = this.options.seed ?? 'tiny';
    if (wanted.seed && wanted.seed !== seed)
      throw new InputError([
        `${where}.seed: the scenario needs the ${wanted.seed} seed and the stack was started with ${seed}; start it with seed: '${wanted.seed}'`,
      ]);
    if (wanted.backendMemoryMb)
      throw new InputError([
        `${where}.backendMemoryMb: a memory limit is set when a stack starts; run this scenario with \`gameday run\``,
      ]);
    const { backend } = stack;
    const revision = backend.history().at(-1);
    const replicas = backend.replicas().length;
    if (wanted.release && wanted.release !== revision?.release)
      await backend.deploy(wanted.release, 'the scenario’s release');
    if (wanted.env) await backend.setEnv(wanted.env);
    if (wanted.replicas && wanted.replicas !== replicas) await backend.scale(wanted.replicas);
    return async () => {
      if (revision && backend.history().at(-1)?.revision !== revision.revision)
        await backend.undo(revision.revision);
      if (backend.replicas().length !== replicas) await backend.scale(replicas);
    };
  }

  /**
   * After each test: stops the test's traffic and reverts every fault still in place (waiting for
   * injections still under way, so a forgotten `await` is reverted too). Rejects naming any fault
   * that could not be reverted.
   */
  async cleanUp(): Promise<void> {
    await Promise.all([...this.traffics].map((traffic) => this.stopTraffic(traffic).catch(() => undefined)));
    // Bounded: each injection under way has its own deadline.
    await Promise.allSettled([...this.injections]);
    const reverted = (await this.guard?.revertAll()) ?? [];
    if (reverted.length > 0) this.say(`reverted after the test: ${reverted.join('; ')}`);
  }

  /** Reverts what is left, stops the scraping and removes the stack (an external one is detached). */
  async down(): Promise<void> {
    const stack = this.current;
    if (!stack) return;
    try {
      await this.cleanUp();
    } finally {
      this.current = undefined;
      this.starting = undefined;
      await this.watch?.stop();
      await this.ledger?.close();
      await stack.down();
    }
  }
}

function parse<Schema extends z.ZodType>(schema: Schema, value: unknown, where: string): z.output<Schema> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  throw new InputError(
    parsed.error.issues.map(
      (issue) => `${where}: ${issue.path.map(String).join('.') || '(value)'}: ${issue.message}`,
    ),
  );
}

function resolveChecks(checks: CheckSpec | CheckSpec[], where: string): Check[] {
  return (Array.isArray(checks) ? checks : [checks]).map((check, index) => {
    const spec = parse(recoveryCheckSchema, check, `${where}(checks[${index}])`);
    return { ...spec, expr: toExpr(spec.expr) };
  });
}

/** A `defineScenario` value checked as a scenario file would be, against the runbook and the stack. */
function resolveValue(value: ScenarioDefinition, runbooks: RunbookDocument, stack: Stack): ResolvedScenario {
  const shown = `scenario ${typeof value?.id === 'string' ? value.id : '(no id)'}`;
  const validated = validateScenario(value, shown);
  if (!validated.scenario) {
    const parts =
      typeof validated.raw === 'object' && validated.raw !== null
        ? checkParts({ ...(validated.raw as object), file: shown }, runbooks).problems
        : [];
    throw new InputError([...validated.problems, ...parts]);
  }
  const { resolved, problems } = resolveScenario(validated.scenario, runbooks);
  if (!resolved) throw new InputError(problems);
  const missing = resolved.requires.filter((capability) => !stack.capabilities.has(capability));
  if (missing.length > 0)
    throw new InputError([`${shown}: needs ${missing.join(', ')}, which the ${stack.kind} stack cannot do`]);
  return resolved;
}
