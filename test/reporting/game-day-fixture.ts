import type { JournalKind } from '../../src/engine/journal.ts';
import type { GameDayResult, ScenarioResult, TimelineEvent } from '../../src/engine/result.ts';
import type { SeriesPoint } from '../../src/engine/series-recorder.ts';

const STARTED = Date.parse('2026-11-27T10:00:00.000Z');
const SAMPLE_EVERY_MS = 500;
const DURATION_MS = 30_000;

/** Samples 0..30 s: `during` inside the fault window [5 s, 20 s), `before` outside it, with some wobble. */
function sampled(before: number, during: number): SeriesPoint[] {
  const points: SeriesPoint[] = [];
  for (let atMs = 0; atMs <= DURATION_MS; atMs += SAMPLE_EVERY_MS) {
    const base = atMs >= 5_000 && atMs < 20_000 ? during : before;
    points.push([atMs, base * (1 + 0.1 * Math.sin(atMs / 1_000))]);
  }
  return points;
}

function event(
  atMs: number,
  kind: JournalKind,
  detail?: string,
  extra: Record<string, unknown> = {},
): TimelineEvent {
  return {
    atMs,
    at: STARTED + atMs,
    kind,
    ...(detail === undefined ? {} : { detail }),
    ...extra,
  } as TimelineEvent;
}

/**
 * A scenario the way run-scenario reports it: a fault from 5 s to 26 s, the alert firing at 9 s,
 * responders' checkpoints and a command, recovery at 24 s, and every key metric recorded.
 */
export function scenarioFixture(overrides: Partial<ScenarioResult> = {}): ScenarioResult {
  return {
    id: 'pool-exhausted',
    title: 'Slow queries exhaust a small database connection pool',
    runbook: { number: 1, title: 'Elevated Error Rates', procedure: 'Scenario A: Database Connection Pool' },
    severity: 'P1',
    status: 'passed',
    reasons: [],
    fault: { kind: 'latency', description: 'latency toxic on the database (500 ms)', injectionMs: 27 },
    alertRule: {
      name: 'ChatSendErrorRateHigh',
      expression: 'sum(rate(http_requests_total{status=~"5.."}[5m])) / sum(rate(http_requests_total[5m]))',
      comparator: '>',
      threshold: 0.01,
      forMs: 300_000,
      origin: 'threshold ">1%" from the runbook',
    },
    detection: {
      alert: 'ChatSendErrorRateHigh',
      fired: true,
      timeToDetectMs: 4_000,
      budgetMs: 12_000,
      timeToDetectAtRunbookScaleMs: 240_000,
      source: 'builtin',
    },
    resolution: {
      resolved: true,
      timeToResolveMs: 19_000,
      remedyWorkMs: 2_000,
      remedyWorkWhileClearingMs: 1_500,
      targetMs: 20_000,
      timeToResolveAtRunbookScaleMs: 1_022_000,
    },
    falseAlarm: false,
    remedy: [],
    decisions: [],
    runbookChecks: [
      {
        runbook: 1,
        scenario: 'pool-exhausted',
        line: 42,
        step: 'SELECT count(*) FROM pg_stat_activity',
        status: 'ok',
        expected: 'rows',
        seen: '31 rows',
        judgements: [{ rule: 'shows-fault', status: 'ok', observed: '31 rows' }],
      },
      {
        runbook: 1,
        scenario: 'pool-exhausted',
        line: 57,
        step: 'kubectl rollout restart deployment/chat-backend',
        status: 'inaccurate',
        expected: 'a restart',
        seen: 'no deployment called chat-backend',
        judgements: [{ rule: 'runs', status: 'inaccurate', observed: 'no deployment called chat-backend' }],
      },
    ],
    claims: [
      {
        claim: 'Error rate drops back to <0.5% within 2 minutes',
        claimed: 120_000,
        measured: 60_000,
        unit: 'ms',
        verdict: 'holds',
        detail: '1.0 s here after the remedy',
      },
    ],
    faultsReverted: true,
    revertErrors: [],
    lostMessages: 0,
    acknowledgedMessages: 673,
    duplicatedMessages: 0,
    traffic: {
      ok: 900,
      clientErrors: 0,
      serverErrors: 40,
      networkErrors: 0,
      forbidden: 0,
      socketMessagesReceived: 800,
      sendRetries: 0,
    },
    timeline: [
      event(0, 'scenario-start', 'Slow queries exhaust a small database connection pool'),
      event(4_990, 'fault-injecting', 'latency toxic on the database (500 ms)'),
      event(5_000, 'fault-injected', 'latency toxic on the database (500 ms)'),
      event(7_000, 'alert-pending', 'ChatSendErrorRateHigh inactive → pending'),
      event(9_000, 'alert-firing', 'ChatSendErrorRateHigh pending → firing'),
      event(10_000, 'checkpoint', 'acknowledged (key)', { checkpoint: 'acknowledged', source: 'key' }),
      event(13_000, 'checkpoint', 'root cause identified (mark)', {
        checkpoint: 'root-cause',
        source: 'mark',
      }),
      event(15_000, 'responder-action', 'gameday ctl set env DATABASE_POOL_MAX=50'),
      event(17_000, 'checkpoint', 'fix deployed (key)', { checkpoint: 'fix-deployed', source: 'key' }),
      event(21_000, 'alert-inactive', 'ChatSendErrorRateHigh firing → inactive'),
      event(24_000, 'checkpoint', 'service restored (detected)', {
        checkpoint: 'service-restored',
        source: 'detected',
      }),
      event(24_000, 'recovered', 'alert resolved and recovery checks held for 1.0 s'),
      event(26_000, 'fault-reverted', 'latency toxic on the database (500 ms)'),
      event(26_100, 'fault-reverted', 'latency toxic on the database (500 ms), again at cleanup'),
    ],
    responders: {
      checkpoints: [
        { id: 'acknowledged', title: 'acknowledged', atMs: 10_000, source: 'key' },
        { id: 'root-cause', title: 'root cause identified', atMs: 13_000, source: 'mark' },
        { id: 'fix-deployed', title: 'fix deployed', atMs: 17_000, source: 'key' },
        { id: 'service-restored', title: 'service restored', atMs: 24_000, source: 'detected' },
      ],
      actions: [
        { command: 'set env DATABASE_POOL_MAX=50', action: 'set-env', changes: true, atMs: 15_000, ok: true },
      ],
      runbookSteps: [
        {
          line: 99,
          text: 'kubectl rollout history deployment/chat-backend',
          action: 'rollout-history',
          used: false,
        },
        {
          line: 120,
          text: 'kubectl set env deployment/chat-backend DATABASE_POOL_MAX=50',
          action: 'set-env',
          used: true,
          usedAtMs: 15_000,
        },
        { line: 130, text: 'SELECT count(*) FROM pg_stat_activity;', used: false },
      ],
    },
    series: {
      alert: sampled(0, 0.04),
      errorRate: sampled(0.001, 0.04),
      queryP95: sampled(0.008, 0.6),
      websocketConnections: sampled(8, 12),
      databaseConnections: sampled(12, 31),
      breaker: sampled(0, 0).map(([atMs]) => [atMs, atMs >= 11_000 && atMs < 16_000 ? 1 : 0]),
    },
    startedAt: new Date(STARTED).toISOString(),
    durationMs: DURATION_MS,
    ...overrides,
  };
}

/**
 * A run of two scenarios: the one above, and a failed one with no database-connection samples, a
 * time-boxed fault, and details carrying markup that must reach the page as text.
 */
export function gameDayFixture(): GameDayResult {
  const healthy = scenarioFixture();
  const broken = scenarioFixture({
    id: 'database-hang',
    title: 'The primary database hangs & <nobody> notices',
    status: 'failed',
    reasons: ['not resolved: ChatSendsFailing still firing after 30.0 s (value 0.4 > "0.05")'],
    detection: { ...healthy.detection, timeToDetectMs: 14_000, timeToDetectAtRunbookScaleMs: 840_000 },
    resolution: {
      resolved: false,
      timeToResolveMs: null,
      remedyWorkMs: 0,
      targetMs: 20_000,
      timeToResolveAtRunbookScaleMs: null,
    },
    timeline: [
      event(0, 'scenario-start', 'The primary database hangs'),
      event(5_000, 'fault-injected', 'freeze the primary database'),
      event(19_000, 'alert-firing', 'ChatSendsFailing inactive → firing'),
      event(22_000, 'responder-action', 'gameday ctl exec psql -c "select 1 < 2 && \'a\'" </script><b>x</b>'),
      event(28_000, 'time-box', 'time box over: the harness reverted the fault'),
      event(28_010, 'fault-reverted', 'freeze the primary database'),
      event(29_000, 'not-resolved', 'ChatSendsFailing still firing'),
    ],
    series: { ...healthy.series, databaseConnections: [] },
  });
  return {
    runId: '20261127-100000-abcd',
    timeScale: 60,
    stack: 'embedded',
    mode: 'gameday',
    runbookFile: 'fixtures/runbook/chat-backend-runbooks.md',
    startedAt: new Date(STARTED).toISOString(),
    durationMs: 62_000,
    status: 'failed',
    scenarios: [healthy, broken],
  };
}
