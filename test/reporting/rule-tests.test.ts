import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/run-cli.ts';

const run = promisify(execFile);

/**
 * `gameday export rule-tests` on a recorded run (the compose stack's runbook 1 and 4 scenarios with
 * --alert-source alertmanager, its report.json kept to what the export reads): each scenario becomes a
 * promtool rule test that Prometheus's own promtool passes, and that fails when the rule changes.
 */
const RECORDED = path.resolve('test/reporting/recorded/compose-run.report.json');
let out: string;

beforeAll(async () => {
  out = await fs.mkdtemp(path.join(os.tmpdir(), 'gameday-rule-tests-'));
});
afterAll(() => fs.rm(out, { recursive: true, force: true }));

describe('gameday export rule-tests', () => {
  it('writes one promtool test per scenario, each asserting where the alert changes state, and promtool passes them', async () => {
    const exported = await runCli(['export', 'rule-tests', '--report', RECORDED, '--out', out]);
    expect(exported.code, exported.stderr).toBe(0);
    expect(exported.stdout).toMatch(/^5 promtool rule tests \(\d+ alert states\) in /);
    const tests = (await fs.readdir(out)).filter((name) => name.endsWith('.test.yml')).sort();
    expect(tests).toEqual([
      'bad-deploy.test.yml',
      'breaker-stuck.test.yml',
      'database-outage.test.yml',
      'dependency-down.test.yml',
      'pool-exhausted.test.yml',
    ]);
    const badDeploy = await fs.readFile(path.join(out, 'bad-deploy.test.yml'), 'utf8');
    // At runbook time: the run's scrape rounds (~400 ms on a loaded machine) at scale 60 are ~23 s
    // steps; "for: 5m" as the runbook says.
    expect(badDeploy).toMatch(/interval: \d+ms/);
    expect(await fs.readFile(path.join(out, 'bad-deploy.rules.yml'), 'utf8')).toMatch(/for: 5m/);
    // Firing and quiet both asserted: the alert fired during the recorded incident and resolved after.
    expect(badDeploy).toMatch(/exp_alerts:\n\s+- exp_labels:/);
    expect(badDeploy).toMatch(/exp_alerts: \[\]/);
    const result = await run('promtool', ['test', 'rules', ...tests.map((name) => path.join(out, name))]);
    expect(result.stdout.match(/SUCCESS/g)?.length).toBe(5);
  });

  it('a rule that would have fired later, or at a higher threshold, fails its test', async () => {
    for (const [file, change] of [
      ['bad-deploy.rules.yml', (text: string) => text.replace(/for: 5m/, 'for: 15m')],
      ['breaker-stuck.rules.yml', (text: string) => text.replace(/>= 1\n/, '>= 2\n')],
    ] as const) {
      const rules = path.join(out, file);
      const original = await fs.readFile(rules, 'utf8');
      const changed = change(original);
      expect(changed).not.toBe(original);
      await fs.writeFile(rules, changed);
      const failed = await run('promtool', ['test', 'rules', rules.replace('.rules.yml', '.test.yml')]).catch(
        (error: { stdout: string; stderr: string }) => error,
      );
      expect(`${failed.stdout}${'stderr' in failed ? failed.stderr : ''}`).toContain('FAILED');
      await fs.writeFile(rules, original);
    }
  });

  it('a file that is not a report: exit 2 naming it', async () => {
    const result = await runCli(['export', 'rule-tests', '--report', 'package.json', '--out', out]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--report .*package\.json: not a gameday report\.json/);
  });
});
