import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { httpRequest } from '../../src/core/http-client.ts';
import { runGameDayCli } from '../support/game-day-run.ts';
import { runCli } from '../support/run-cli.ts';

const run = promisify(execFile);
const SCENARIOS = path.resolve('test/engine/scenarios/guarded');

/**
 * The game day read from the team's alerting, on the embedded stack: gameday runs Debian's Prometheus
 * and Alertmanager beside it, detection is read from Alertmanager, gameday's evaluator runs beside it
 * for parity; a guard stops its scenario with every fault reverted; the recorded run becomes promtool
 * rule tests, which pass, and fail when the rule changes.
 */
describe('gameday run --alert-source alertmanager (embedded stack)', () => {
  it('detects from Alertmanager within one scrape and evaluation of gameday’s evaluator; a guard aborts its scenario, faults reverted; the run’s rule tests pass promtool', async () => {
    const day = await runGameDayCli([
      'bad-deploy',
      'guarded-deploy',
      '--scenarios',
      SCENARIOS,
      '--alert-source',
      'alertmanager',
    ]);
    const out = await fs.mkdtemp(path.join(os.tmpdir(), 'gameday-rule-tests-'));
    try {
      const { report, result } = day;
      // A guard's abort makes the run "aborted", as an interrupted one is.
      expect(result.code, result.stderr.slice(-3000)).toBe(130);
      expect(report.alertSource).toBe('alertmanager');

      const detected = report.scenarios.find((s) => s.id === 'bad-deploy')!;
      expect(detected.status, detected.reasons.join('; ')).toBe('passed');
      expect(detected.detection.source).toBe('alertmanager');
      const parity = detected.detection.parity!;
      expect(parity.sourceTimeToDetectMs).toBe(detected.detection.timeToDetectMs);
      // One scrape + one evaluation (250 ms each) + one read (125 ms): Prometheus's rule, read in the same
      // rounds, is judged against gameday's; Alertmanager's delivery comes on top and is reported.
      expect(parity.toleranceMs).toBe(625);
      expect(parity.prometheusTimeToDetectMs).not.toBeNull();
      expect(Math.abs(parity.prometheusDifferenceMs!), JSON.stringify(parity)).toBeLessThanOrEqual(
        parity.toleranceMs,
      );
      expect(parity.withinTolerance).toBe(true);

      const guarded = report.scenarios.find((s) => s.id === 'guarded-deploy')!;
      expect(guarded.status).toBe('aborted');
      expect(guarded.reasons[0]).toMatch(
        /^interrupted: guard ChatSendErrorRateHigh fired during the fault \(alertmanager shows it firing\): the scenario was stopped and every fault reverted/,
      );
      expect(guarded.guards).toEqual(['ChatSendErrorRateHigh']);
      expect(guarded.faultsReverted).toBe(true);
      const kinds = guarded.timeline.map((event) => event.kind);
      expect(kinds).toContain('fault-reverted');
      expect(kinds).not.toContain('remedy-step');
      expect(kinds.indexOf('guard-fired')).toBeLessThan(kinds.indexOf('fault-reverted'));
      expect(guarded.lostMessages).toBe(0);

      expect(await day.file('report.html')).toContain('Detection parity: alertmanager beside gameday');
      // Prometheus and Alertmanager went down with the stack.
      for (const [, url] of result.stderr.matchAll(
        /(?:Prometheus|Alertmanager) (http:\/\/127\.0\.0\.1:\d+)/g,
      ))
        await expect(httpRequest(`${url}/-/ready`, { timeoutMs: 1_000 })).rejects.toThrow();

      // The recorded run as promtool rule tests: they pass on the recorded shape...
      const reportFile = path.join(out, 'report.json');
      await fs.writeFile(reportFile, JSON.stringify(report));
      const exported = await runCli(['export', 'rule-tests', '--report', reportFile, '--out', out]);
      expect(exported.code, exported.stderr).toBe(0);
      const tests = (await fs.readdir(out)).filter((name) => name.endsWith('.test.yml')).sort();
      expect(tests).toEqual(['bad-deploy.test.yml', 'guarded-deploy.test.yml']);
      const passed = await run('promtool', ['test', 'rules', ...tests.map((t) => path.join(out, t))]);
      expect(passed.stdout).toContain('SUCCESS');
      expect(await fs.readFile(path.join(out, 'bad-deploy.test.yml'), 'utf8')).toMatch(
        /exp_alerts:\n\s+- exp_labels:/,
      );
      // ...and fail when the alert's "for" is changed: the incident's shape pins it.
      const rules = path.join(out, 'bad-deploy.rules.yml');
      await fs.writeFile(rules, (await fs.readFile(rules, 'utf8')).replace(/for: \S+/, 'for: 30m'));
      await expect(run('promtool', ['test', 'rules', path.join(out, 'bad-deploy.test.yml')])).rejects.toThrow(
        /FAILED/,
      );
    } finally {
      await fs.rm(out, { recursive: true, force: true });
      await day.cleanup();
    }
  });
});
