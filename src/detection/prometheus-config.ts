import { stringify } from 'yaml';
import { type AlertRule, toPrometheusRule } from './alert-rule.ts';
import { promDuration } from './expr.ts';

/** Runbook ms → wall ms, as the run's clock scales them. */
export type Scale = (runbookMs: number) => number;

const unscaled: Scale = (ms) => ms;

/**
 * The rule file `gameday export rules` writes and the Prometheus gameday runs loads: one group, one
 * alerting rule per alert name (scenarios that share an alert share its rule). With `scale`, windows
 * and `for` are the run's wall time and the group is evaluated every `evaluationIntervalMs`.
 */
export function ruleFile(
  rules: readonly AlertRule[],
  { scale = unscaled, evaluationIntervalMs }: { scale?: Scale; evaluationIntervalMs?: number } = {},
): string {
  const unique = new Map(rules.map((rule) => [rule.name, toPrometheusRule(rule, scale)]));
  const group = {
    name: 'gameday',
    ...(evaluationIntervalMs === undefined ? {} : { interval: promDuration(evaluationIntervalMs) }),
    rules: [...unique.values()],
  };
  return stringify({ groups: [group] }, { lineWidth: 0 });
}

export interface PrometheusConfigOptions {
  scrapeIntervalMs: number;
  evaluationIntervalMs: number;
  /** Rule files, relative to the config file or absolute. */
  ruleFiles: string[];
  /** host:port of each Alertmanager. */
  alertmanagers: string[];
  /** Scrape jobs: static targets (host:port), each serving /metrics. */
  jobs: { name: string; targets: string[]; honorLabels?: boolean }[];
}

/** prometheus.yml for the Prometheus gameday runs: its intervals are the run's, scaled like the rules. */
export function prometheusConfig(options: PrometheusConfigOptions): string {
  const interval = promDuration(options.scrapeIntervalMs);
  return stringify(
    {
      global: {
        scrape_interval: interval,
        // A scrape must end before the next begins: a hung exporter misses its round, as it would.
        scrape_timeout: interval,
        evaluation_interval: promDuration(options.evaluationIntervalMs),
        external_labels: { monitor: 'gameday' },
      },
      rule_files: options.ruleFiles,
      alerting: { alertmanagers: [{ static_configs: [{ targets: options.alertmanagers }] }] },
      scrape_configs: options.jobs.map((job) => ({
        job_name: job.name,
        ...(job.honorLabels ? { honor_labels: true } : {}),
        static_configs: [{ targets: job.targets }],
      })),
    },
    { lineWidth: 0 },
  );
}

/** The receiver every alert reaches. It notifies no one: gameday reads the alerts from the API. */
export const ALERTMANAGER_RECEIVER = 'gameday';

/** alertmanager.yml: one route to one receiver; grouping waits scaled with the run. */
export function alertmanagerConfig({ scale = unscaled }: { scale?: Scale } = {}): string {
  return stringify({
    route: {
      receiver: ALERTMANAGER_RECEIVER,
      group_by: ['alertname'],
      group_wait: promDuration(Math.max(scale(30_000), 10)),
      group_interval: promDuration(Math.max(scale(5 * 60_000), 10)),
      repeat_interval: promDuration(Math.max(scale(4 * 60 * 60_000), 1_000)),
    },
    receivers: [{ name: ALERTMANAGER_RECEIVER }],
  });
}
