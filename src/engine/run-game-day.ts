import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Clock } from '../core/clock.ts';
import { InputError } from '../core/errors.ts';
import type { LiveStatus } from '../responders/live-status.ts';
import type { ResponderDesk } from '../responders/responder-desk.ts';
import { type ParsedRunbook, readRunbook } from '../runbooks/parse-runbook.ts';
import { defaultSchema } from '../runbooks/runbook-check.ts';
import { RunbookVerifier } from '../runbooks/runbook-verifier.ts';
import { EmbeddedStack } from '../stack/embedded/embedded-stack.ts';
import { readExternalConfig } from '../stack/external/external-config.ts';
import { ExternalStack } from '../stack/external/external-stack.ts';
import { FaultLedger } from '../stack/fault-ledger.ts';
import { assertLoopbackTargets } from '../stack/loopback-guard.ts';
import { REFERENCE_RUNBOOK } from '../stack/reference-backend.ts';
import { loadScenarios } from './load-scenarios.ts';
import type { ResolvedScenario } from './resolve-scenario.ts';
import { nobodyResponds } from './responses/nobody-responds.ts';
import { peopleAtTheDesk } from './responses/people-at-the-desk.ts';
import type { Response } from './responses/response.ts';
import { runbookRemedy } from './responses/runbook-remedy.ts';
import { runbookVerification } from './responses/runbook-verification.ts';
import type { GameDayResult, ScenarioResult, TimelineEvent } from './result.ts';
import { runScenario } from './run-scenario.ts';
import type { ScenarioServices } from './scenario-run.ts';
import { localServices } from './scenario-services.ts';
import { externalStack, stackSignature, startedStacks } from './stack-supply.ts';

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
  stack?: 'embedded' | 'containers' | 'external';
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
  responders?: { desk: ResponderDesk; timeBoxMs?: number };
  /** Other parts in place of gameday's own (k6 for the traffic, …), over localServices. */
  services?: (clock: Clock) => Partial<ScenarioServices>;
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
export function runOrder(scenarios: ResolvedScenario[]): ResolvedScenario[] {
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
  const scenarios = runOrder(
    await loadScenarios({
      dir: options.scenariosDir ?? DEFAULT_SCENARIOS_DIR,
      runbooks,
      ids: options.ids,
      capabilities: external ? ExternalStack.capabilitiesOf(external) : EmbeddedStack.capabilities,
      stackKind: kind,
      ...(options.runbookFile ? { partialRunbook: { onSkip: progress } } : {}),
      ...(external ? { skipUnsupported: { onSkip: progress } } : {}),
    }),
  );
  const schema = options.verifyRunbook ? await defaultSchema() : undefined;
  const runId = newRunId();
  const clock = new Clock(options.timeScale);
  const started = clock.now();
  const results: ScenarioResult[] = [];
  const services = { ...localServices(clock, options.scrapeIntervalMs ?? 250), ...options.services?.(clock) };
  /** Who responds to each scenario's fault. */
  const responseFor = (resolved: ResolvedScenario, runbook: ParsedRunbook | undefined): Response => {
    if (options.responders)
      return peopleAtTheDesk({
        desk: options.responders.desk,
        timeBoxMs:
          options.responders.timeBoxMs ??
          clock.scaled(
            resolved.resolveWithinMs === undefined ? DEFAULT_TIME_BOX_MS : 2 * resolved.resolveWithinMs,
          ),
        runbookSteps: runbook?.steps ?? [],
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
  const supply =
    kind === 'external'
      ? externalStack(external!, backendEnvFor(options.timeScale), progress)
      : startedStacks(kind, backendEnvFor(options.timeScale), progress);

  try {
    for (const [index, resolved] of scenarios.entries()) {
      if (signal.aborted) break;
      const stack = await supply.forScenario(resolved);
      assertLoopbackTargets(stack.endpoints, options.allowRemoteTargets ?? false);
      progress(`[${index + 1}/${scenarios.length}] ${resolved.scenario.id}: ${resolved.scenario.title}`);
      const ledger = await FaultLedger.open(runId, {
        kind: stack.kind,
        id: stack.id,
        ...(external ? { config: external.file } : {}),
      });
      const runbook = runbooks.runbooks.find((r) => r.number === resolved.scenario.runbook.number);
      const result = await runScenario(
        resolved,
        {
          stack,
          clock,
          ledger,
          signal,
          services,
          onEvent: (event) => options.onEvent?.(resolved.scenario.id, event),
          onStatus: (status) =>
            options.onStatus?.({
              ...status,
              scenario: { ...status.scenario, index: index + 1, count: scenarios.length },
            }),
        },
        responseFor(resolved, runbook),
      );
      await ledger.close();
      results.push(result);
      await supply.afterScenario(resolved);
      progress(
        `[${index + 1}/${scenarios.length}] ${resolved.scenario.id}: ${result.status}${result.reasons.length ? ` (${result.reasons[0]})` : ''}`,
      );
    }
  } finally {
    await supply.release();
  }
  const aborted = signal.aborted || results.some((r) => r.status === 'aborted');
  return {
    runId,
    timeScale: options.timeScale,
    stack: kind,
    mode: options.responders ? 'gameday' : 'auto',
    runbookFile,
    startedAt: new Date(started).toISOString(),
    durationMs: clock.now() - started,
    status: aborted ? 'aborted' : results.every((r) => r.status === 'passed') ? 'passed' : 'failed',
    scenarios: results,
  };
}
