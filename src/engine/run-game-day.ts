import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Clock } from '../core/clock.ts';
import { InputError } from '../core/errors.ts';
import { formatMs } from '../core/format.ts';
import { stopLeftoverExperiments } from '../faults/fis/leftover-experiments.ts';
import { BlindRound } from '../responders/blind-round.ts';
import type { LiveStatus } from '../responders/live-status.ts';
import type { ResponderDesk } from '../responders/responder-desk.ts';
import { type ParsedRunbook, type RunbookDocument, readRunbook } from '../runbooks/parse-runbook.ts';
import { defaultSchema } from '../runbooks/runbook-check.ts';
import { RunbookVerifier } from '../runbooks/runbook-verifier.ts';
import { EmbeddedStack } from '../stack/embedded/embedded-stack.ts';
import { readExternalConfig } from '../stack/external/external-config.ts';
import { ExternalStack } from '../stack/external/external-stack.ts';
import { FaultLedger } from '../stack/fault-ledger.ts';
import { assertLoopbackTargets } from '../stack/loopback-guard.ts';
import { REFERENCE_RUNBOOK } from '../stack/reference-backend.ts';
import { TESTCONTAINERS_CAPABILITIES } from '../stack/testcontainers/capabilities.ts';
import { type AlertSourceChoice, AlertSupply } from './alert-supply.ts';
import { blindEvent, blindStatus } from './blind-view.ts';
import { answerLines, writeFacilitatorSheet } from './facilitator-sheet.ts';
import { planFisRun } from './fis-plan.ts';
import { type FisSession, fisSettingsOf, startFisSession } from './fis-session.ts';
import { unplayableRounds } from './game-day-plan.ts';
import { loadScenarios } from './load-scenarios.ts';
import type { ResolvedScenario } from './resolve-scenario.ts';
import { nobodyResponds } from './responses/nobody-responds.ts';
import { peopleAtTheDesk } from './responses/people-at-the-desk.ts';
import type { Response } from './responses/response.ts';
import { runbookRemedy } from './responses/runbook-remedy.ts';
import { runbookVerification } from './responses/runbook-verification.ts';
import type { GameDayResult, ScenarioResult, TimelineEvent } from './result.ts';
import { type PlannedRound, planRounds, type RoundSpec } from './rounds.ts';
import { runScenario } from './run-scenario.ts';
import type { ScenarioServices } from './scenario-run.ts';
import { localServices } from './scenario-services.ts';
import { externalStack, stackSignature, startedStacks, testcontainersStacks } from './stack-supply.ts';

export const DEFAULT_SCENARIOS_DIR = fileURLToPath(new URL('../../scenarios/', import.meta.url));
export const DEFAULT_RUNBOOK = REFERENCE_RUNBOOK;

export interface GameDayOptions {
  ids?: string[];
  scenariosDir?: string;
  runbookFile?: string;
  /**
   * Where the stack runs: child processes here (default), each process in a container, or a stack
   * someone else runs (external, described by `stackConfig`).
   */
  stack?: 'embedded' | 'containers' | 'testcontainers' | 'external';
  /** The external stack's config file. */
  stackConfig?: string;
  timeScale: number;
  scrapeIntervalMs?: number;
  signal?: AbortSignal;
  onProgress?: (line: string) => void;
  onEvent?: (scenario: string, event: TimelineEvent) => void;
  /** Allow faults against hosts that are not this machine. */
  allowRemoteTargets?: boolean;
  /** Inject and detect, but carry out no remedy (every scenario must then fail "not resolved"). */
  skipRemedy?: boolean;
  /** Try the runbook's diagnostic queries during each live fault and judge them (`runbook verify`). */
  verifyRunbook?: boolean;
  onStatus?: (status: LiveStatus) => void;
  /**
   * Game-day mode: people respond through the desk (no automatic remedy). Each fault is reverted by the
   * harness after `timeBoxMs` (wall time, not scaled), or by default twice the severity's resolution
   * target (runbook time, scaled).
   */
  responders?: { desk: ResponderDesk; timeBoxMs?: number; plan?: RoundsPlan };
  /** Other parts in place of gameday's own (k6 for the traffic, …), over localServices. */
  services?: (clock: Clock) => Partial<ScenarioServices>;
  /** Where "the alert fired" is read, and the guards (default: gameday's own evaluator, no guards). */
  alertSource?: AlertSourceChoice;
  /**
   * Who carries the faults out: gameday itself (local, the default), or AWS FIS (fis): each scenario
   * whose faults have a FIS equivalent runs them as experiments, the others are skipped and listed.
   * The local stacks get gameday's own FIS endpoint for the run; an external stack's config may point
   * at AWS.
   */
  faults?: 'local' | 'fis';
}

/**
 * Game-day mode played as rounds (`gameday plan`, `gameday run --blind`): each round a named scenario or
 * a blind pick, run in the plan's order with a pause between rounds.
 */
export interface RoundsPlan {
  title: string;
  rounds: RoundSpec[];
  /** Where the rounds come from, for error messages ("plan.yaml", "--blind"). */
  source: string;
  /** Wall ms between rounds before the next starts by itself; absent: it waits for `gameday next`. */
  pauseMs?: number;
  /** The facilitator's sheet (seeds, picks, answer keys), written before anything starts. */
  facilitatorFile?: string;
  /** How the facilitator replays a blind pick from its seed (shown on the sheet). */
  replay: (seed: number) => string;
}

/**
 * The runbooks an incident's responders follow, each with its procedure: the scenario's own, and for a
 * compound incident each other alert's (once per runbook and procedure).
 */
function proceduresOf(resolved: ResolvedScenario, runbooks: RunbookDocument) {
  const seen = new Set<string>();
  return resolved.alerts.flatMap(({ rule, procedure }) => {
    const key = `${rule.runbook}:${procedure ?? ''}`;
    if (seen.has(key)) return [];
    seen.add(key);
    const steps = runbooks.runbooks.find((r) => r.number === rule.runbook)?.steps ?? [];
    return [{ steps, ...(procedure === undefined ? {} : { procedure }) }];
  });
}

/** Without a target (a severity the runbook gives none), the time box is two hours of runbook time. */
const DEFAULT_TIME_BOX_MS = 2 * 60 * 60_000;

/**
 * The backend's own clocks follow the time scale too: its quantile window and its breaker's
 * half-open delay are runbook durations, so they shrink with everything else.
 */
export function backendEnvFor(timeScale: number): Record<string, string> {
  return {
    // Queries are real work and are not scaled: the quantile window must stay longer than the slowest
    // of them, or a window can close with no slow query finished in it and the p95 flickers.
    METRICS_WINDOW_SECONDS: String(Math.max(5, Math.round(60 / timeScale))),
    CIRCUIT_BREAKER_HALF_OPEN_AFTER_MS: String(Math.max(100, Math.round(60_000 / timeScale))),
  };
}

/**
 * The order scenarios run in: those that share a stack configuration together (in the order they were
 * given), and within each, the ones that use the stack up (disposable) last, so the fewest stacks start.
 */
export function runOrder(scenarios: ResolvedScenario[], kind = 'embedded'): ResolvedScenario[] {
  // One testcontainers stack takes every scenario's settings by a rollout: only what uses it up waits.
  if (kind === 'testcontainers')
    return [
      ...scenarios.filter((resolved) => !resolved.scenario.stack?.disposable),
      ...scenarios.filter((resolved) => resolved.scenario.stack?.disposable),
    ];
  const groups = new Map<string, ResolvedScenario[]>();
  for (const resolved of scenarios) {
    const key = stackSignature(resolved);
    groups.set(key, [...(groups.get(key) ?? []), resolved]);
  }
  return [...groups.values()].flatMap((group) => [
    ...group.filter((resolved) => !resolved.scenario.stack?.disposable),
    ...group.filter((resolved) => resolved.scenario.stack?.disposable),
  ]);
}

export function newRunId(): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${stamp}-${randomBytes(2).toString('hex')}`;
}

/**
 * A game day: validate everything, start the stack (or attach to an external one), run each scenario
 * on it (see StackSupply for how a scenario gets its stack settings), tear down what was started. Validation problems throw
 * InputError before anything starts; a stack that cannot start throws StackUnavailableError.
 */
export async function runGameDay(options: GameDayOptions): Promise<GameDayResult> {
  const progress = options.onProgress ?? (() => undefined);
  // Before anything else: a killed run's FIS experiment may still be doing damage.
  for (const line of await stopLeftoverExperiments()) progress(line);
  const signal = options.signal ?? new AbortController().signal;
  const runbookFile = options.runbookFile ?? DEFAULT_RUNBOOK;
  const runbooks = await readRunbook(runbookFile);
  const kind = options.stack ?? 'embedded';
  if (kind === 'external' && !options.stackConfig)
    throw new InputError([
      '--stack-config: required with --stack external (compose/gameday-stack.json for docker-compose.yml)',
    ]);
  const external = kind === 'external' ? await readExternalConfig(options.stackConfig!) : undefined;
  // Before anything connects: the external stack's commands run on whatever the config points at.
  if (external)
    assertLoopbackTargets(ExternalStack.endpointsOf(external), options.allowRemoteTargets ?? false);
  const plan = options.responders?.plan;
  let scenarios = runOrder(
    await loadScenarios({
      dir: options.scenariosDir ?? DEFAULT_SCENARIOS_DIR,
      runbooks,
      // A plan's ids are checked against what loaded, so the error can name the plan's field.
      ids: plan ? undefined : options.ids,
      capabilities: external
        ? ExternalStack.capabilitiesOf(external)
        : kind === 'testcontainers'
          ? TESTCONTAINERS_CAPABILITIES
          : EmbeddedStack.capabilities,
      stackKind: kind,
      ...(options.runbookFile ? { partialRunbook: { onSkip: progress } } : {}),
      // Stacks that cannot do everything skip what they cannot, unless it was asked for by id.
      ...(external || kind === 'testcontainers' ? { skipUnsupported: { onSkip: progress } } : {}),
    }),
    kind,
  );
  const fisSettings = options.faults === 'fis' ? fisSettingsOf(external) : undefined;
  const fisPlan =
    fisSettings &&
    planFisRun(scenarios, fisSettings.config, {
      ids: options.ids,
      configName: fisSettings.configName,
      timeScale: options.timeScale,
      ...(options.responders?.timeBoxMs === undefined ? {} : { timeBoxMs: options.responders.timeBoxMs }),
    });
  if (fisPlan) {
    for (const { id, reason } of fisPlan.skipped)
      progress(`${id}: skipped, FIS has no equivalent (${reason})`);
    scenarios = scenarios.filter((resolved) => fisPlan.runnable.some((p) => p.resolved === resolved));
  }
  const rounds = plan && planRoundsOf(plan, scenarios);
  if (rounds) {
    const played = new Set(
      rounds.flatMap((round) => round.blind?.candidates ?? [round.resolved.scenario.id]),
    );
    scenarios = scenarios.filter((resolved) => played.has(resolved.scenario.id));
    if (plan.facilitatorFile) {
      await writeFacilitatorSheet(plan.facilitatorFile, plan.title, rounds, plan.replay);
      progress(`the facilitator's sheet (seeds and answers) is in ${plan.facilitatorFile}`);
    }
  }
  const schema = options.verifyRunbook ? await defaultSchema() : undefined;
  const runId = newRunId();
  const clock = new Clock(options.timeScale);
  const scrapeIntervalMs = options.scrapeIntervalMs ?? 250;
  const choice = options.alertSource ?? { kind: 'builtin' };
  const wantsCatalogue =
    choice.kind !== 'builtin' ||
    (choice.guards?.length ?? 0) > 0 ||
    scenarios.some((r) => r.scenario.guards.length > 0);
  // Every alert gameday knows, as `gameday export rules` writes them: the guards' rules, and its Prometheus's.
  const catalogue = wantsCatalogue
    ? (
        await loadScenarios({
          dir: options.scenariosDir ?? DEFAULT_SCENARIOS_DIR,
          runbooks,
          capabilities: EmbeddedStack.capabilities,
          stackKind: 'embedded',
          partialRunbook: { onSkip: () => undefined },
        })
      ).flatMap((resolved) => resolved.alerts.map((alert) => alert.rule))
    : [];
  const alerting = await AlertSupply.prepare({
    choice,
    stackKind: kind,
    external,
    scenarios,
    catalogue,
    scrapeIntervalMs,
    scale: (ms) => clock.scaled(ms),
    progress,
  });
  const started = clock.now();
  const results: ScenarioResult[] = [];
  // Every template is made (and checked by FIS itself) before any stack starts.
  const fis: FisSession | undefined =
    fisPlan && (await startFisSession(fisPlan, fisSettings!, { timeScale: options.timeScale }));
  if (fis) progress(`faults through FIS at ${fis.endpoint === 'aws' ? 'AWS' : fis.endpoint}`);
  const services = {
    ...localServices(clock, scrapeIntervalMs, {
      exporters: () => alerting.exporters(),
      guardRules: alerting.guardRuleList,
    }),
    ...(fis ? { faults: fis.faults } : {}),
    ...options.services?.(clock),
  };
  /** Who responds to each scenario's fault. */
  const responseFor = (
    resolved: ResolvedScenario,
    runbook: ParsedRunbook | undefined,
    round?: { planned: PlannedRound; blind?: BlindRound },
  ): Response => {
    if (options.responders)
      return peopleAtTheDesk({
        desk: options.responders.desk,
        timeBoxMs:
          round?.planned.timeBoxMs ??
          options.responders.timeBoxMs ??
          clock.scaled(
            resolved.resolveWithinMs === undefined ? DEFAULT_TIME_BOX_MS : 2 * resolved.resolveWithinMs,
          ),
        runbooks: proceduresOf(resolved, runbooks),
        ...(round?.blind ? { blind: round.blind } : {}),
      });
    if (schema)
      return runbookVerification(
        new RunbookVerifier(
          runbook!,
          schema,
          { id: resolved.scenario.id, procedure: resolved.scenario.runbook.procedure },
          runbooks,
        ),
      );
    return options.skipRemedy ? nobodyResponds : runbookRemedy;
  };
  let stackLines = (line: string) => line;
  const stackProgress = (line: string) => progress(stackLines(line));
  const supply =
    kind === 'external'
      ? externalStack(external!, backendEnvFor(options.timeScale), stackProgress)
      : kind === 'testcontainers'
        ? testcontainersStacks(backendEnvFor(options.timeScale), stackProgress)
        : startedStacks(kind, backendEnvFor(options.timeScale), stackProgress);

  // Without a plan, every scenario is a turn of its own; with one, the rounds in the plan's order.
  const turns: { resolved: ResolvedScenario; planned?: PlannedRound }[] =
    rounds?.map((planned) => ({ resolved: planned.resolved, planned })) ??
    scenarios.map((resolved) => ({ resolved }));
  try {
    for (const [index, { resolved, planned }] of turns.entries()) {
      if (signal.aborted) break;
      const position = `[${index + 1}/${turns.length}]`;
      // A blind round hides what it is, here and at the desk, until it ends or the facilitator reveals it.
      const blind = planned?.blind && new BlindRound(`round ${planned.number}`, answerLines(planned));
      const hidden = () => blind !== undefined && !blind.revealed;
      const label = planned ? `round ${planned.number}${blind ? ' (blind)' : ''}` : resolved.scenario.id;
      // The stack's lines may name the scenario's settings: a hint in a blind round.
      stackLines = hidden() ? () => 'stack: getting ready' : (line) => line;
      const stack = await supply.forScenario(resolved);
      assertLoopbackTargets(stack.endpoints, options.allowRemoteTargets ?? false);
      await alerting.forStack(stack);
      progress(
        blind
          ? `${position} ${label}: ${planned!.name}; work it out from the alerts, the metrics, the pods and the logs`
          : `${position} ${planned ? `${label}: ${planned.name}: ` : ''}${resolved.scenario.id}: ${resolved.scenario.title}`,
      );
      const ledger = await FaultLedger.open(runId, {
        kind: stack.kind,
        id: stack.id,
        ...(external ? { config: external.file } : {}),
      });
      fis?.attach({ stack, ledger, scenario: resolved.scenario.id });
      const runbook = runbooks.runbooks.find((r) => r.number === resolved.scenario.runbook.number);
      const announced = new Set<string>();
      const result = await runScenario(
        resolved,
        {
          stack,
          clock,
          ledger,
          signal,
          services,
          alerting: alerting.alertingFor(resolved),
          onEvent: (event) => {
            const first = !announced.has(event.kind);
            announced.add(event.kind);
            const shown = hidden() ? blindEvent(event, first) : event;
            if (shown) options.onEvent?.(hidden() ? label : resolved.scenario.id, shown);
          },
          onStatus: (status) => {
            const placed = {
              ...status,
              scenario: { ...status.scenario, index: index + 1, count: turns.length },
            };
            options.onStatus?.(hidden() ? blindStatus(placed, label) : placed);
          },
        },
        responseFor(resolved, runbook, planned && { planned, ...(blind ? { blind } : {}) }),
      );
      fis?.attach(undefined);
      await ledger.close();
      results.push(planned ? { ...result, round: roundOf(planned) } : result);
      await supply.afterScenario(resolved);
      progress(
        `${position} ${blind ? `${label} was ${resolved.scenario.id}` : planned ? label : resolved.scenario.id}: ${result.status}${result.reasons.length ? ` (${result.reasons[0]})` : ''}`,
      );
      const next = turns[index + 1]?.planned;
      if (next && !signal.aborted) {
        progress(
          `round ${next.number} next: ${next.name}${next.blind ? ' (blind)' : ''}; \`gameday next\` (or Enter here) starts it${plan!.pauseMs === undefined ? '' : `, or it starts by itself in ${formatMs(plan!.pauseMs)}`}`,
        );
        await betweenRounds(options.responders!.desk, signal, plan!.pauseMs);
      }
    }
  } finally {
    // The endpoint first: it stops what still runs while the stack is there to undo it on.
    await fis?.close();
    await alerting.release();
    await supply.release();
  }
  const aborted = signal.aborted || results.some((r) => r.status === 'aborted');
  return {
    runId,
    timeScale: options.timeScale,
    stack: kind,
    alertSource: choice.kind,
    mode: options.responders ? 'gameday' : 'auto',
    ...(fis ? { faults: { by: 'fis' as const, endpoint: fis.endpoint, skipped: fisPlan!.skipped } } : {}),
    runbookFile,
    startedAt: new Date(started).toISOString(),
    durationMs: clock.now() - started,
    status: aborted ? 'aborted' : results.every((r) => r.status === 'passed') ? 'passed' : 'failed',
    scenarios: results,
  };
}

/** The rounds a plan asks for, each with its scenario; an id the run cannot play is an input error. */
function planRoundsOf(plan: RoundsPlan, scenarios: readonly ResolvedScenario[]): PlannedRound[] {
  const problems = unplayableRounds(
    plan.rounds,
    new Set(scenarios.map((resolved) => resolved.scenario.id)),
    plan.source,
  );
  if (problems.length > 0) throw new InputError(problems);
  return planRounds(plan.rounds, scenarios);
}

/** What a round's result says about the round (its pick's seed is the facilitator's, on the sheet too). */
function roundOf(planned: PlannedRound): NonNullable<ScenarioResult['round']> {
  return {
    number: planned.number,
    name: planned.name,
    blind: planned.blind !== undefined,
    ...(planned.blind ? { seed: planned.blind.seed, pickedFrom: planned.blind.candidates } : {}),
    ...(planned.roles ? { roles: planned.roles } : {}),
  };
}

/** The pause between two rounds: until `gameday next` (or Enter), the plan's pause, or an abort. */
async function betweenRounds(desk: ResponderDesk, signal: AbortSignal, pauseMs: number | undefined) {
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  signal.addEventListener('abort', onAbort, { once: true });
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      desk.nextRound(stop.signal),
      ...(pauseMs === undefined ? [] : [new Promise((resolve) => (timer = setTimeout(resolve, pauseMs)))]),
    ]);
  } finally {
    clearTimeout(timer);
    signal.removeEventListener('abort', onAbort);
    // A pause that ran out leaves the desk no longer waiting for `gameday next`.
    stop.abort();
  }
}
