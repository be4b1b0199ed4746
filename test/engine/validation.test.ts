import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/run-cli.ts';

let stateDir: string;
let scenariosDir: string;
beforeAll(async () => {
  stateDir = await fs.mkdtemp(path.join(os.tmpdir(), 'gameday-state-validation-'));
  // The malformed files, plus one that is not even valid TypeScript.
  scenariosDir = await fs.mkdtemp(path.join(os.tmpdir(), 'gameday-malformed-'));
  const source = new URL('./scenarios/malformed/', import.meta.url);
  for (const name of await fs.readdir(source)) {
    const text = await fs.readFile(new URL(name, source), 'utf8');
    await fs.writeFile(
      path.join(scenariosDir, name),
      text.replaceAll('../../../../src/', `${process.cwd()}/src/`),
    );
  }
  await fs.writeFile(
    path.join(scenariosDir, 'not-typescript.ts'),
    "export default defineScenario({ id: 'broken' ;\n",
  );
  // Outside the project, TypeScript files are ES modules only under a package.json that says so.
  await fs.writeFile(path.join(scenariosDir, 'package.json'), '{ "type": "module" }\n');
});
afterAll(async () => {
  await fs.rm(stateDir, { recursive: true, force: true });
  await fs.rm(scenariosDir, { recursive: true, force: true });
});

const run = (args: string[]) => runCli(args, { GAMEDAY_STATE_DIR: stateDir });

describe('invalid input is refused before anything is touched', () => {
  it('reports every problem in every scenario file at once, with file and field, exit 2', async () => {
    const result = await run(['run', '--scenarios', scenariosDir]);
    expect(result.code).toBe(2);
    const expected = [
      /bad-fields\.ts: baseline: expected a duration like "500ms", "5s" or "2m", got "a while"/,
      /bad-fields\.ts: runbook\.number: .*has no runbook 42 \(it has 1, 2, 3, 4, 5, 6\)/,
      /bad-fields\.ts: fault\.index: expected an index name/,
      /bad-fields\.ts: remedy\[0\]\.action: unknown action "pray"; known: rollback/,
      /unknown-fault\.ts: \(scenario\): Unrecognized key: "surprise"/,
      /not-typescript\.ts: cannot be loaded/,
    ];
    for (const pattern of expected) expect(result.stderr).toMatch(pattern);
    // Nothing was started: no stack record, no fault ledger.
    expect(await fs.readdir(stateDir)).toEqual([]);
  });

  it("refuses names inherited by every JavaScript object ('constructor', 'toString', 'valueOf') as unknown", async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'gameday-prototype-'));
    await fs.writeFile(path.join(dir, 'package.json'), '{ "type": "module" }\n');
    const text = (await fs.readFile(path.join(scenariosDir, 'unknown-fault.ts'), 'utf8'))
      .replace('  surprise: true,\n', '')
      .replace("kind: 'meteor-strike'", "kind: 'constructor'")
      .replace(
        "[{ action: 'rollback', toRevision: 'last' }]",
        "[{ action: 'toString' }, { action: 'decide', question: 'valueOf' }]",
      );
    await fs.writeFile(path.join(dir, 'prototype-names.ts'), text);
    const result = await run(['list', '--scenarios', dir]);
    await fs.rm(dir, { recursive: true, force: true });
    // Before: "internal error (please report it): TypeError: Cannot read properties of undefined".
    expect(result.stderr).not.toMatch(/internal error/);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/prototype-names\.ts: fault\.kind: unknown fault "constructor"; known: /);
    expect(result.stderr).toMatch(
      /prototype-names\.ts: remedy\[0\]\.action: unknown action "toString"; known: /,
    );
    expect(result.stderr).toMatch(
      /prototype-names\.ts: remedy\[1\]\.question: unknown decision "valueOf"; known: /,
    );
  });

  it('names the unknown fault kind and the bad remedy parameter once the schema passes', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'gameday-unknown-'));
    await fs.writeFile(path.join(dir, 'package.json'), '{ "type": "module" }\n');
    const text = (await fs.readFile(path.join(scenariosDir, 'unknown-fault.ts'), 'utf8')).replace(
      '  surprise: true,\n',
      '',
    );
    await fs.writeFile(path.join(dir, 'unknown-fault.ts'), text);
    const result = await run(['run', '--scenarios', dir]);
    await fs.rm(dir, { recursive: true, force: true });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /unknown-fault\.ts: fault\.kind: unknown fault "meteor-strike"; known: deploy-release, drop-index/,
    );
    expect(result.stderr).toMatch(/unknown-fault\.ts: remedy\[0\]\.toRevision: /);
  });

  it('rejects bad flags, an unknown scenario id and a missing runbook with exit 2', async () => {
    const flags = await run(['run', '--time-scale', 'fast', '--scrape-interval', '0', '--stack', 'cloud']);
    expect(flags.code).toBe(2);
    expect(flags.stderr).toContain('--time-scale: expected a number > 0');
    expect(flags.stderr).toContain('--scrape-interval: expected milliseconds from 10 to 60000, got "0"');
    expect(flags.stderr).toContain(
      '--stack: expected embedded, containers, testcontainers or external, got "cloud"',
    );
    const id = await run(['run', 'no-such-scenario']);
    expect(id.code).toBe(2);
    expect(id.stderr).toContain('no-such-scenario: no such scenario');
    const runbook = await run(['run', '--runbook', '/nonexistent/runbook.md']);
    expect(runbook.code).toBe(2);
    expect(runbook.stderr).toContain('/nonexistent/runbook.md');
    const unknownFlag = await run(['run', '--frobnicate']);
    expect(unknownFlag.code).toBe(2);
    expect(unknownFlag.stderr).toContain("unknown option '--frobnicate'");
    expect(await fs.readdir(stateDir)).toEqual([]);
  });

  it('lists the valid scenarios with the alert the runbook gives them', async () => {
    const result = await run(['list']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/bad-deploy +\(runbook 1, P1\)/);
    expect(result.stdout).toMatch(/ChatSendErrorRateHigh > 0\.01 for 5\.0 min \(threshold ">1%" from/);
    expect(result.stdout).toMatch(/DatabaseQueryP95High > 0\.5 for 5\.0 min/);
  });

  it("takes another team's runbook: its thresholds, and only the scenarios of the runbooks it has", async () => {
    const fixture = new URL('../runbooks/fixtures/verify-defects.md', import.meta.url).pathname;
    const result = await run(['list', '--runbook', fixture]);
    expect(result.code).toBe(0);
    // Its runbook 3 fires at 400 ms after 4 minutes, not the shared runbook's 500 ms after 5.
    expect(result.stdout).toMatch(/DatabaseQueryP95High > 0\.4 for 4\.0 min/);
    expect(result.stdout).toMatch(/^database-outage +\(runbook 4, P0\)/m);
    expect(result.stdout).not.toMatch(/brute-force/);
    expect(result.stderr).toMatch(/brute-force: skipped, verify-defects\.md has no runbook 5/);
    // Asked for by id, a scenario the document cannot cover is an error, not a skip.
    const chosen = await run(['run', 'brute-force', '--runbook', fixture]);
    expect(chosen.code).toBe(2);
    expect(chosen.stderr).toMatch(
      /runbook\.number: .*verify-defects\.md has no runbook 5 \(it has 1, 3, 4\)/,
    );
    expect(await fs.readdir(stateDir)).toEqual([]);
  });
});
