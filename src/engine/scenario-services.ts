import type { Clock } from '../core/clock.ts';
import { ms } from '../core/duration.ts';
import type { AlertRule } from '../detection/alert-rule.ts';
import { INTEGRITY_METRIC } from '../detection/database-exporter.ts';
import { type PublishedExporters, StackMetrics } from '../detection/stack-metrics.ts';
import { localFaults } from '../faults/fault-backend.ts';
import { DEFAULT_TRAFFIC, type TrafficOptions } from '../load/load-generator.ts';
import { WorkerTraffic } from '../load/worker-traffic.ts';
import type { Stack } from '../stack/stack.ts';
import type { ResolvedScenario } from './resolve-scenario.ts';
import type { ScenarioServices } from './scenario-run.ts';

/** How often the data-integrity job runs, in runbook time. */
const INTEGRITY_CHECK_EVERY_MS = 5 * 60_000;

/** The scenario's traffic model over the defaults. */
export function trafficFor(resolved: ResolvedScenario, stack: Stack): TrafficOptions {
  const traffic = resolved.scenario.traffic;
  return {
    ...DEFAULT_TRAFFIC,
    password: stack.secrets.userPassword,
    users: traffic?.users ?? DEFAULT_TRAFFIC.users,
    sockets: traffic?.sockets ?? DEFAULT_TRAFFIC.sockets,
    thinkTimeMs: traffic?.thinkTime ? ms(traffic.thinkTime) : DEFAULT_TRAFFIC.thinkTimeMs,
    mix: { ...DEFAULT_TRAFFIC.mix, ...traffic?.mix },
    ...(traffic?.sendRetry
      ? { sendRetry: { timeoutMs: ms(traffic.sendRetry.timeout), attempts: traffic.sendRetry.attempts } }
      : {}),
  };
}

export interface LocalMetricsOptions {
  /** Where a real Prometheus scrapes the same exporters over HTTP (none with the builtin alert source). */
  exporters?: () => PublishedExporters | undefined;
  /** Guard alerts evaluated by gameday: their metrics are collected too. */
  guardRules?: readonly AlertRule[];
}

/**
 * gameday's own parts: faults carried out directly, traffic from a worker thread, the stack's metrics
 * scraped every `scrapeIntervalMs`.
 */
export function localServices(
  clock: Clock,
  scrapeIntervalMs: number,
  { exporters, guardRules = [] }: LocalMetricsOptions = {},
): ScenarioServices {
  return {
    faults: localFaults,
    load: (resolved, stack) =>
      new WorkerTraffic(stack.endpoints.frontUrl, trafficFor(resolved, stack), () =>
        stack.database.adminUrl(),
      ),
    metrics(resolved, stack, acknowledged) {
      const watched = [
        ...resolved.alerts.map((alert) => alert.rule.expr),
        ...resolved.recoveryChecks.map((check) => check.expr),
        ...guardRules.map((rule) => rule.expr),
      ];
      return new StackMetrics(stack, {
        intervalMs: scrapeIntervalMs,
        // Runbook 6's checks scan the messages table: a scheduled job, only when a scenario watches them.
        ...(watched.some((expr) => expr.metric === INTEGRITY_METRIC)
          ? { integrityIntervalMs: Math.max(clock.scaled(INTEGRITY_CHECK_EVERY_MS), 2_000) }
          : {}),
        acknowledged,
        publish: exporters?.(),
      });
    },
  };
}
