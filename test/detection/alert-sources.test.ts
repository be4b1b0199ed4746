import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Clock } from '../../src/core/clock.ts';
import { httpRequest } from '../../src/core/http-client.ts';
import { waitUntil } from '../../src/core/wait.ts';
import type { AlertRule } from '../../src/detection/alert-rule.ts';
import { alertmanagerSource } from '../../src/detection/alertmanager-source.ts';
import { MetricStore } from '../../src/detection/metric-store.ts';
import { MonitoringStack } from '../../src/detection/monitoring-stack.ts';
import { prometheusSource } from '../../src/detection/prometheus-source.ts';
import { IncidentWatch } from '../../src/engine/incident-watch.ts';
import { SourceDetection } from '../../src/engine/source-detection.ts';
import { SourcePoller } from '../../src/engine/source-poller.ts';
import {
  cleanupLeftover,
  processStartTime,
  type StackRecord,
} from '../../src/stack/embedded/stack-registry.ts';
import type { Companion, Stack } from '../../src/stack/stack.ts';
import { runCli } from '../support/run-cli.ts';

const run = promisify(execFile);

/**
 * The real Prometheus and Alertmanager (Debian's, from PATH) as alert sources: the rules gameday exports
 * pass promtool, the sources read them over their APIs, and what goes wrong is said, never passed:
 * an unreachable URL (exit 3), missing binaries (exit 3, naming the package), a misspelt rule (never
 * seen), a silence (silenced). Their processes are recorded with the stack and stopped after a crash.
 */

const ALWAYS: AlertRule = {
  name: 'TargetsUp',
  // Prometheus's own `up` series: firing as soon as its targets have been scraped.
  expr: { fn: 'value', metric: 'up', agg: 'sum' },
  comparator: '>',
  threshold: 0,
  forMs: 0,
  severity: 'P2',
  runbook: 0,
  origin: 'the test',
};

describe('gameday export rules', () => {
  it('passes promtool check rules, at runbook time and at a time scale (windows and "for" scaled)', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'gameday-rules-'));
    try {
      for (const scale of ['1', '60']) {
        const exported = await runCli(['export', 'rules', '--time-scale', scale]);
        expect(exported.code, exported.stderr).toBe(0);
        const file = path.join(dir, `rules-${scale}.yml`);
        await fs.writeFile(file, exported.stdout);
        const checked = await run('promtool', ['check', 'rules', file]);
        expect(checked.stdout).toMatch(/SUCCESS: \d+ rules found/);
        // Runbook 1's "5+ minutes sustained" over a 5-minute window, or 5 s over 5 s at scale 60.
        expect(exported.stdout).toContain(scale === '1' ? '[5m])) > 0.01' : '[5s])) > 0.01');
        expect(exported.stdout).toMatch(
          new RegExp(`alert: ChatSendErrorRateHigh\\n.*\\n\\s+for: ${scale === '1' ? '5m' : '5s'}`),
        );
      }
      // promtool is not a formality: a broken expression fails it.
      await fs.writeFile(
        path.join(dir, 'broken.yml'),
        'groups:\n  - name: x\n    rules:\n      - alert: X\n        expr: sum(rate(x[5m]) > \n',
      );
      await expect(run('promtool', ['check', 'rules', path.join(dir, 'broken.yml')])).rejects.toThrow(
        /FAILED/,
      );
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});

describe("docker-compose.yml's Prometheus and Alertmanager", () => {
  it('load the rules gameday exports at time scale 60, and configurations their own tools accept', async () => {
    const exported = await runCli(['export', 'rules', '--time-scale', '60']);
    const committed = await fs.readFile('compose/prometheus/rules.yml', 'utf8');
    // The file is the export, under a comment saying how to make it again.
    expect(committed.replace(/^#.*\n/gm, '')).toBe(exported.stdout);
    const prometheus = await run('promtool', ['check', 'config', 'compose/prometheus/prometheus.yml']);
    expect(prometheus.stdout).toMatch(/SUCCESS: \d+ rules found/);
    const alertmanager = await run('amtool', ['check-config', 'compose/alertmanager/alertmanager.yml']);
    expect(alertmanager.stdout).toContain('SUCCESS');
    const compose = await fs.readFile('docker-compose.yml', 'utf8');
    // biome-ignore lint/suspicious/noTemplateCurlyInString: compose's own ${VAR:-default} syntax
    expect(compose).toContain('${GAMEDAY_PROMETHEUS_IMAGE:-prom/prometheus:v2.42.0}');
    // biome-ignore lint/suspicious/noTemplateCurlyInString: compose's own ${VAR:-default} syntax
    expect(compose).toContain('${GAMEDAY_ALERTMANAGER_IMAGE:-prom/alertmanager:v0.25.0}');
    expect(compose).toContain('--web.listen-address=127.0.0.1:9090');
    expect(compose).toContain('--cluster.listen-address=');
  });
});

describe('bad input to --alert-source', () => {
  it('an unreachable URL: exit 3 naming the source and the URL, before any stack starts', async () => {
    const result = await runCli([
      'run',
      'bad-deploy',
      '--alert-source',
      'prometheus',
      '--prometheus-url',
      'http://127.0.0.1:9/',
    ]);
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(
      /--alert-source prometheus: Prometheus at http:\/\/127\.0\.0\.1:9\/ cannot be reached \(.*ECONNREFUSED.*\)/,
    );
    expect(result.stderr).not.toMatch(/stack: /);
  });

  it('Prometheus or Alertmanager not installed: exit 3 naming the Debian package', async () => {
    // A PATH with this node and nothing else.
    const bin = await fs.mkdtemp(path.join(os.tmpdir(), 'gameday-path-'));
    await fs.symlink(process.execPath, path.join(bin, 'node'));
    try {
      const result = await runCli(['run', 'bad-deploy', '--alert-source', 'alertmanager'], { PATH: bin });
      expect(result.code).toBe(3);
      expect(result.stderr).toMatch(
        /prometheus \(Debian package prometheus\) and prometheus-alertmanager \(Debian package prometheus-alertmanager\) is not on PATH: install it with `apt-get install prometheus prometheus-alertmanager`/,
      );
    } finally {
      await fs.rm(bin, { recursive: true, force: true });
    }
  });

  it('an unknown source, a URL without its source, an unknown guard: exit 2, every problem listed', async () => {
    const result = await runCli([
      'run',
      'bad-deploy',
      '--alert-source',
      'datadog',
      '--guard',
      'no such alert',
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      '--guard: expected an alert name like ErrorRateHigh, got "no such alert"',
    );
    const second = await runCli([
      'run',
      'bad-deploy',
      '--guard',
      'CheckoutDown',
      '--prometheus-url',
      'http://127.0.0.1:9',
    ]);
    expect(second.code).toBe(2);
    expect(second.stderr).toContain(
      '--prometheus-url/--alertmanager-url: only with --alert-source prometheus or alertmanager',
    );
    expect(second.stderr).toMatch(
      /--guard: no alert named CheckoutDown; gameday's evaluator knows .*ChatSendErrorRateHigh/,
    );
    const third = await runCli(['run', 'bad-deploy', '--alert-source', 'datadog']);
    expect(third.stderr).toContain('--alert-source: expected builtin');
  });
});

describe('a real Prometheus and Alertmanager as sources', () => {
  let root: string;
  let monitoring: MonitoringStack;
  const companions: Companion[] = [];
  /** Only what MonitoringStack asks of a stack: a directory it owns, and adopting the processes. */
  const stack = {
    kind: 'embedded',
    id: 'alert-sources-test',
    companionDir: async (name: string) => {
      const dir = path.join(root, name);
      await fs.mkdir(dir, { recursive: true });
      return dir;
    },
    adopt: async (companion: Companion) => {
      companions.push(companion);
    },
  } as unknown as Stack;

  beforeAll(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'gameday-monitoring-'));
    monitoring = await MonitoringStack.start(stack, {
      rules: [ALWAYS],
      scale: (ms) => ms / 60,
      intervalMs: 100,
    });
  });
  afterAll(async () => {
    await monitoring?.stop();
    await fs.rm(root, { recursive: true, force: true });
  });

  /** Reads `source` for the alert `name` as a scenario does, for `ms`, once the fault has begun. */
  async function watchFor(kind: 'prometheus' | 'alertmanager', name: string, ms: number) {
    const clock = new Clock(60);
    const notes: string[] = [];
    const note = ((kind: string, detail?: string) => {
      notes.push(`${kind}: ${detail}`);
      return clock.now();
    }) as never;
    const source =
      kind === 'prometheus'
        ? prometheusSource(monitoring.prometheusUrl)
        : alertmanagerSource(monitoring.alertmanagerUrl);
    const detection = new SourceDetection(kind, source.url, name, 500, clock.now(), note);
    const watch = new IncidentWatch(
      { rule: { ...ALWAYS, name }, recoveryChecks: [], claims: [], recoveryNeedsAlertResolved: true },
      {
        store: new MetricStore(60_000, 2_000),
        clock,
        note,
        startedAt: clock.now(),
        recoveryNeedsRemedy: false,
        source: detection,
      },
    );
    watch.faultBegins();
    const poller = new SourcePoller(source, watch, clock, 100, 2_000);
    poller.start();
    await waitUntil(() => detection.firedAt !== undefined || undefined, {
      timeoutMs: ms,
      what: `${name}`,
    }).catch(() => undefined);
    await poller.stop();
    return { detection, notes };
  }

  it('reads the alert firing from Prometheus and from Alertmanager, which Prometheus sent it to', async () => {
    const fromPrometheus = await watchFor('prometheus', 'TargetsUp', 10_000);
    expect(fromPrometheus.detection.firedAt).toBeDefined();
    const fromAlertmanager = await watchFor('alertmanager', 'TargetsUp', 10_000);
    expect(fromAlertmanager.detection.firedAt).toBeDefined();
    expect(fromAlertmanager.detection.whyNotDetected()).toBeUndefined();
  });

  it('a misspelt rule: never seen by prometheus, its rules listed', async () => {
    const { detection, notes } = await watchFor('prometheus', 'TargetsUpp', 1_500);
    expect(detection.firedAt).toBeUndefined();
    expect(detection.whyNotDetected()).toBe(
      'TargetsUpp never seen by prometheus: it has no alerting rule of that name (its rules: TargetsUp); a misspelt rule?',
    );
    expect(notes).toContain(
      "source-unknown-alert: TargetsUpp is not among prometheus's alerting rules (TargetsUp)",
    );
  });

  it('a misspelt alert name with Alertmanager: never seen by alertmanager', async () => {
    const { detection } = await watchFor('alertmanager', 'TargetsUpp', 1_500);
    expect(detection.whyNotDetected()).toMatch(
      /^TargetsUpp never seen by alertmanager at http:\/\/127\.0\.0\.1:\d+ \(\d+ reads, 0 failed\)$/,
    );
  });

  it('an alert silenced in Alertmanager: silenced, not detected', async () => {
    const now = Date.now();
    const created = await httpRequest<{ silenceID: string }>(
      `${monitoring.alertmanagerUrl}/api/v2/silences`,
      {
        body: {
          matchers: [{ name: 'alertname', value: 'TargetsUp', isRegex: false, isEqual: true }],
          startsAt: new Date(now - 1_000).toISOString(),
          endsAt: new Date(now + 3_600_000).toISOString(),
          createdBy: 'gameday test',
          comment: 'the silenced bad-input case',
        },
      },
    );
    expect(created.status).toBe(200);
    try {
      const { detection } = await watchFor('alertmanager', 'TargetsUp', 2_000);
      expect(detection.firedAt).toBeUndefined();
      expect(detection.whyNotDetected()).toBe(
        `TargetsUp was silenced in alertmanager (silence ${created.body.silenceID}): it fired, and paged no one`,
      );
      // Prometheus itself still shows it firing: the silence is Alertmanager's.
      expect((await prometheusSource(monitoring.prometheusUrl).alerts(2_000)).get('TargetsUp')?.state).toBe(
        'firing',
      );
    } finally {
      await httpRequest(`${monitoring.alertmanagerUrl}/api/v2/silence/${created.body.silenceID}`, {
        method: 'DELETE',
      });
    }
  });

  it("scrapes and evaluates at the run's interval, with the floor applied", async () => {
    expect(monitoring.intervalMs).toBe(100);
    const config = await fs.readFile(path.join(root, 'monitoring', 'prometheus.yml'), 'utf8');
    expect(config).toMatch(/scrape_interval: 100ms/);
    expect(config).toMatch(/evaluation_interval: 100ms/);
    // Loopback only: Prometheus, Alertmanager (no cluster port) and the exporters.
    const { stdout } = await run('ss', ['-ltnp']);
    const listening = stdout
      .split('\n')
      .filter((line) => companions.some((c) => line.includes(`pid=${c.pid},`)));
    expect(listening.length).toBeGreaterThanOrEqual(2);
    for (const line of listening) expect(line).toMatch(/127\.0\.0\.1:\d+/);
  });

  it('after a crash, the next run stops the Prometheus and Alertmanager the stack record names', async () => {
    const record: StackRecord = {
      id: 'alert-sources-crashed',
      kind: 'embedded',
      owner: { pid: 999_999, startTime: 1 },
      createdAt: new Date().toISOString(),
      root: path.join(root, 'gone'),
      processes: await Promise.all(
        companions.map(async (companion) => {
          const stat = await fs.readFile(`/proc/${companion.pid}/stat`, 'utf8');
          const startTime = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
          return { name: companion.name, pid: companion.pid!, startTime, kind: 'companion' as const };
        }),
      ),
      endpoints: {},
      stopsOnSigterm: false,
    };
    const report = await cleanupLeftover(record);
    expect(report.stopped.sort()).toEqual(companions.map((c) => `${c.name} (pid ${c.pid})`).sort());
    // Gone or a zombie not yet reaped by this test process, its parent: neither is running.
    for (const companion of companions) expect(await processStartTime(companion.pid!)).toBeUndefined();
  });
});
