import { InputError, StackUnavailableError } from '../core/errors.ts';
import type { AlertRule } from '../detection/alert-rule.ts';
import {
  ALERT_SOURCE_KINDS,
  type AlertSourceKind,
  type ExternalAlertSource,
} from '../detection/alert-source.ts';
import { alertmanagerSource } from '../detection/alertmanager-source.ts';
import { MetricsEndpoint } from '../detection/metrics-endpoint.ts';
import {
  MIN_PROMETHEUS_INTERVAL_MS,
  MonitoringStack,
  requireMonitoringBinaries,
} from '../detection/monitoring-stack.ts';
import type { Scale } from '../detection/prometheus-config.ts';
import { prometheusSource } from '../detection/prometheus-source.ts';
import type { PublishedExporters } from '../detection/stack-metrics.ts';
import type { ExternalConfig } from '../stack/external/external-config.ts';
import type { Stack, StackKind } from '../stack/stack.ts';
import type { GuardAlert } from './incident-watch.ts';
import type { ResolvedScenario } from './resolve-scenario.ts';
import type { ScenarioAlerting } from './scenario-run.ts';

/** What the user chose on the command line (`--alert-source`, `--prometheus-url`, `--alertmanager-url`, `--guard`). */
export interface AlertSourceChoice {
  kind: AlertSourceKind;
  prometheusUrl?: string;
  alertmanagerUrl?: string;
  /** Guards for every scenario, beside each scenario's own. */
  guards?: string[];
}

export interface AlertSupplyOptions {
  choice: AlertSourceChoice;
  stackKind: StackKind;
  external: ExternalConfig | undefined;
  scenarios: readonly ResolvedScenario[];
  /** Every alert rule gameday knows (what `gameday export rules` writes): guards are found here. */
  catalogue: readonly AlertRule[];
  /** gameday's own scrape interval (wall ms); its Prometheus scrapes and evaluates as often (with a floor). */
  scrapeIntervalMs: number;
  scale: Scale;
  progress: (line: string) => void;
}

/**
 * Where each scenario's alert is read from, for a whole game day: gameday's own evaluator, a
 * Prometheus or Alertmanager someone runs (a URL, or the external stack's config), or, on a stack
 * gameday starts, a real Prometheus and Alertmanager it runs beside each stack. Everything is checked
 * before any stack starts: the choice and the guards (exit 2), the source answering or the binaries
 * being installed (exit 3).
 */
export class AlertSupply {
  private monitoring: { stackId: string; stack: MonitoringStack } | undefined;
  private source: ExternalAlertSource | undefined;
  /** With Alertmanager as the source, the Prometheus behind it when gameday knows where it is. */
  private prometheus: ExternalAlertSource | undefined;

  private constructor(
    private readonly options: AlertSupplyOptions,
    /** The URL the source is read at, when someone else runs it; undefined: gameday runs its own. */
    private readonly url: string | undefined,
    private readonly guardRules: Map<string, AlertRule>,
    private readonly scrapeAndEvaluationMs: number,
    /** Exporters on fixed ports for an external stack's Prometheus. */
    private readonly fixedExporters: PublishedExporters | undefined,
  ) {
    if (url) this.source = sourceAt(options.choice.kind as Exclude<AlertSourceKind, 'builtin'>, url);
    const prometheusUrl = options.choice.prometheusUrl ?? options.external?.monitoring?.prometheusUrl;
    if (url && options.choice.kind === 'alertmanager' && prometheusUrl)
      this.prometheus = prometheusSource(prometheusUrl);
  }

  static async prepare(options: AlertSupplyOptions): Promise<AlertSupply> {
    const { choice, external } = options;
    const problems: string[] = [];
    if (!ALERT_SOURCE_KINDS.includes(choice.kind))
      problems.push(
        `--alert-source: expected builtin (gameday's own evaluator), prometheus or alertmanager, got "${choice.kind}"`,
      );
    const monitoring = external?.monitoring;
    const url =
      choice.kind === 'prometheus'
        ? (choice.prometheusUrl ?? monitoring?.prometheusUrl)
        : choice.kind === 'alertmanager'
          ? (choice.alertmanagerUrl ?? monitoring?.alertmanagerUrl)
          : undefined;
    for (const [flag, value] of [
      ['--prometheus-url', choice.prometheusUrl],
      ['--alertmanager-url', choice.alertmanagerUrl],
    ] as const) {
      if (value !== undefined && !/^https?:\/\/[^/]+/.test(value))
        problems.push(`${flag}: expected an http:// URL such as http://127.0.0.1:9090, got "${value}"`);
    }
    if (choice.kind === 'builtin' && (choice.prometheusUrl || choice.alertmanagerUrl))
      problems.push(
        '--prometheus-url/--alertmanager-url: only with --alert-source prometheus or alertmanager',
      );
    if (choice.kind === 'prometheus' && choice.alertmanagerUrl)
      problems.push(
        '--alertmanager-url: only with --alert-source alertmanager (detection is read from Prometheus)',
      );
    if (choice.kind !== 'builtin' && url === undefined && options.stackKind === 'external')
      problems.push(
        `--alert-source ${choice.kind}: the external stack runs its own; give --${choice.kind}-url URL, or "monitoring": { "${choice.kind}Url": … } in ${external?.file ?? 'the stack config'}`,
      );
    const guardRules = new Map<string, AlertRule>();
    const known = new Map(options.catalogue.map((rule) => [rule.name, rule]));
    const guardNames = new Set([
      ...(choice.guards ?? []),
      ...options.scenarios.flatMap((resolved) => resolved.scenario.guards),
    ]);
    for (const name of guardNames) {
      const rule = known.get(name);
      if (rule) guardRules.set(name, rule);
      else if (choice.kind === 'builtin') {
        const where = (choice.guards ?? []).includes(name)
          ? '--guard'
          : `${options.scenarios.find((resolved) => resolved.scenario.guards.includes(name))?.scenario.file}: guards`;
        problems.push(
          `${where}: no alert named ${name}; gameday's evaluator knows ${[...known.keys()].sort().join(', ')} (with --alert-source prometheus|alertmanager a guard may be any alert that source raises)`,
        );
      }
    }
    if (problems.length > 0) throw new InputError(problems);

    if (choice.kind === 'builtin') return new AlertSupply(options, undefined, guardRules, 0, undefined);
    if (url) {
      const source = sourceAt(choice.kind, url);
      await source.check(5_000).catch((error: Error) => {
        throw new StackUnavailableError(
          `--alert-source ${choice.kind}: ${choice.kind === 'prometheus' ? 'Prometheus' : 'Alertmanager'} at ${url} cannot be reached (${error.message}); is it running, and is the URL right?`,
        );
      });
      const exporters = monitoring ? await fixedExporters(monitoring.exporters) : undefined;
      return new AlertSupply(
        options,
        url,
        guardRules,
        (monitoring?.scrapeIntervalMs ?? 250) + (monitoring?.evaluationIntervalMs ?? 250),
        exporters,
      );
    }
    await requireMonitoringBinaries();
    const intervalMs = Math.max(options.scrapeIntervalMs, MIN_PROMETHEUS_INTERVAL_MS);
    return new AlertSupply(options, undefined, guardRules, 2 * intervalMs, undefined);
  }

  /** The exporters a real Prometheus scrapes, while a scenario runs; undefined with the builtin source. */
  exporters(): PublishedExporters | undefined {
    return this.monitoring?.stack.exporters ?? this.fixedExporters;
  }

  /** Called once each scenario's stack is ready: a stack gameday started gets its own Prometheus. */
  async forStack(stack: Stack): Promise<void> {
    if (this.options.choice.kind === 'builtin' || this.url) return;
    if (this.monitoring?.stackId === stack.id) return;
    // The stack it watched is gone (a scenario used it up): its Prometheus went down with it, its
    // endpoints go now (left open, they kept the process alive after the game day).
    await this.monitoring?.stack.stop();
    this.monitoring = undefined;
    const { options } = this;
    const rules = [
      ...options.catalogue,
      ...options.scenarios.flatMap((resolved) => resolved.alerts.map((alert) => alert.rule)),
      ...this.guardRules.values(),
    ];
    options.progress('monitoring: starting Prometheus and Alertmanager beside the stack');
    const started = await MonitoringStack.start(stack, {
      rules,
      scale: options.scale,
      intervalMs: options.scrapeIntervalMs,
      onProgress: options.progress,
    });
    this.monitoring = { stackId: stack.id, stack: started };
    this.source = sourceAt(
      options.choice.kind as Exclude<AlertSourceKind, 'builtin'>,
      options.choice.kind === 'prometheus' ? started.prometheusUrl : started.alertmanagerUrl,
    );
    if (options.choice.kind === 'alertmanager') this.prometheus = prometheusSource(started.prometheusUrl);
    options.progress(
      `monitoring: Prometheus ${started.prometheusUrl}, Alertmanager ${started.alertmanagerUrl} (scrape and evaluation every ${started.intervalMs} ms)`,
    );
  }

  /** The scenario's source, how often it is read, and its guards. */
  alertingFor(resolved: ResolvedScenario): ScenarioAlerting {
    const names = new Set([...(this.options.choice.guards ?? []), ...resolved.scenario.guards]);
    const guards: GuardAlert[] = [...names].map((name) => {
      const rule = this.guardRules.get(name);
      return rule ? { name, rule } : { name };
    });
    const intervalMs = Math.max(this.options.scrapeIntervalMs, MIN_PROMETHEUS_INTERVAL_MS);
    return {
      ...(this.source ? { source: this.source } : {}),
      ...(this.prometheus ? { prometheus: this.prometheus } : {}),
      pollMs: Math.max(50, Math.round(intervalMs / 2)),
      scrapeAndEvaluationMs: this.scrapeAndEvaluationMs,
      guards,
    };
  }

  /** The rules gameday evaluates for guards too (their metrics must be collected). */
  get guardRuleList(): AlertRule[] {
    return [...this.guardRules.values()];
  }

  async release(): Promise<void> {
    await this.monitoring?.stack.stop();
    this.monitoring = undefined;
    if (this.fixedExporters)
      await Promise.all(Object.values(this.fixedExporters).map((endpoint) => endpoint?.close()));
  }
}

function sourceAt(kind: Exclude<AlertSourceKind, 'builtin'>, url: string): ExternalAlertSource {
  return kind === 'prometheus' ? prometheusSource(url) : alertmanagerSource(url);
}

/** The exporters on the ports an external stack's Prometheus scrapes. */
async function fixedExporters(listen: {
  postgres?: string;
  kubeState?: string;
}): Promise<PublishedExporters | undefined> {
  if (!listen.postgres && !listen.kubeState) return undefined;
  const start = async (name: string, address: string | undefined) => {
    if (!address) return undefined;
    return MetricsEndpoint.start(name, address).catch((error: Error) => {
      throw new StackUnavailableError(
        `monitoring.exporters.${name}: cannot listen on ${address} (${error.message}); another gameday run, or another exporter, holds the port`,
      );
    });
  };
  return {
    postgres: await start('postgres', listen.postgres),
    kubeState: await start('kubeState', listen.kubeState),
  };
}
