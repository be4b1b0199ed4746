import fs from 'node:fs/promises';
import path from 'node:path';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { InputError } from '../../src/core/errors.ts';
import { exportK6, exportK6Scripts } from '../../src/k6/export-k6.ts';
import {
  bundleLikeK6,
  RUNBOOK,
  resolvedScenarios,
  SCENARIOS_DIR,
  tempExportRoot,
} from './k6-export-support.ts';
import { loadK6Options } from './k6-module-shims/run-bundle.ts';

const request = (root: string, extra: Partial<Parameters<typeof exportK6>[0]> = {}) => ({
  outDir: path.join(root, 'k6'),
  target: 'http://127.0.0.1:3001',
  timeScale: 60,
  parallelism: 4,
  password: 'chat-password',
  scenariosDir: SCENARIOS_DIR,
  runbookFile: RUNBOOK,
  ...extra,
});

/** tsc on the export's own tsconfig.json: @types/k6, lib es2020, no Node, no DOM. */
function typeCheck(dir: string): string[] {
  const config = ts.getParsedCommandLineOfConfigFile(
    path.join(dir, 'tsconfig.json'),
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => {
        throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
      },
    },
  )!;
  const program = ts.createProgram(config.fileNames, config.options);
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const where = d.file
      ? `${path.basename(d.file.fileName)}:${d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1}`
      : '';
    return `${where} ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
  });
}

describe('gameday export k6: every scenario', () => {
  let root: string;
  let remove: () => Promise<void>;
  let outDir: string;
  let files: string[];
  beforeAll(async () => {
    ({ root, remove } = await tempExportRoot());
    ({ outDir, files } = await exportK6(request(root)));
  });
  afterAll(() => remove?.());

  it('writes a script and a TestRun per scenario, and a tsconfig.json', async () => {
    // The top level: scenarios/partitions/ needs a stack with its own network (--stack testcontainers).
    const ids = (await fs.readdir(SCENARIOS_DIR))
      .filter((name) => name.endsWith('.ts'))
      .map((name) => name.replace(/\.ts$/, ''));
    expect(ids.length).toBeGreaterThanOrEqual(16);
    expect(files.map((file) => path.basename(file)).sort()).toEqual(
      ['tsconfig.json', ...ids.flatMap((id) => [`${id}.ts`, `${id}.testrun.yaml`])].sort(),
    );
  });

  it('type-checks every script against @types/k6 with TypeScript 5', () => {
    expect(ts.version).toMatch(/^5\./);
    expect(typeCheck(outDir)).toEqual([]);
  });

  it('bundles every script the way k6 loads TypeScript, keeping only k6 modules external', async () => {
    for (const file of files.filter((f) => f.endsWith('.ts'))) {
      const bundle = await bundleLikeK6(file);
      const imported = [...bundle.matchAll(/^import .* from "([^"]+)";$/gm)].map((m) => m[1]);
      expect(
        imported.every((name) => name === 'k6' || name!.startsWith('k6/')),
        file,
      ).toBe(true);
      expect(imported).toContain('k6/websockets');
    }
  });

  it('writes TestRun manifests k6-operator reads: the script from a ConfigMap, N runners', async () => {
    const manifest = parseYaml(await fs.readFile(path.join(outDir, 'bad-deploy.testrun.yaml'), 'utf8'));
    expect(manifest).toEqual({
      apiVersion: 'k6.io/v1alpha1',
      kind: 'TestRun',
      metadata: { name: 'gameday-bad-deploy' },
      spec: {
        parallelism: 4,
        script: { configMap: { name: 'gameday-bad-deploy', file: 'bad-deploy.ts' } },
        runner: { env: [{ name: 'TARGET', value: 'http://127.0.0.1:3001' }] },
      },
    });
  });

  it("turns each scenario's traffic and runbook alert into k6 scenarios and thresholds", async () => {
    const options = async (id: string) => loadK6Options(await bundleLikeK6(path.join(outDir, `${id}.ts`)));
    const badDeploy = await options('bad-deploy');
    expect(badDeploy.thresholds).toEqual({ 'chat_server_errors{endpoint:send}': ['rate<=0.01'] });
    expect(badDeploy.scenarios).toMatchObject({
      users: { executor: 'constant-vus', vus: 12, duration: '15s' },
      sockets: { executor: 'constant-vus', vus: 8, duration: '15s' },
    });
    expect((await options('missing-index')).thresholds).toEqual({
      'http_req_duration{scenario:users}': ['p(95)<=500'],
    });
    const storm = await options('connection-spike');
    expect(storm.scenarios?.storm).toMatchObject({
      executor: 'constant-vus',
      vus: 30,
      startTime: '3s',
      duration: '10s',
    });
    expect(storm.thresholds).toEqual({ chat_blocked: ['rate==0'] });
    const bruteForce = await options('brute-force');
    expect(bruteForce.scenarios?.attacker).toMatchObject({
      executor: 'constant-arrival-rate',
      rate: 25,
      timeUnit: '1s',
    });
    // ≥ 10 failures in the 1 s window (1 min / 60) is ≥ 30 over the 3 s the attack lasts.
    expect(bruteForce.thresholds).toEqual({ chat_login_failures: ['count<30'], chat_blocked: ['rate==0'] });
    const resend = await fs.readFile(path.join(outDir, 'duplicate-messages.ts'), 'utf8');
    expect(resend).toMatch(/"sendRetry": \{\s+"timeoutMs": 1000,\s+"attempts": 3\s+\}/);
  });

  it("takes its thresholds from the runbook: a runbook that says 2 % makes the script's threshold 2 %", async () => {
    const runbook = path.join(root, 'runbook.md');
    await fs.writeFile(
      runbook,
      (await fs.readFile(RUNBOOK, 'utf8')).replace('(>1% increase)', '(>2% increase)'),
    );
    const { files: edited } = await exportK6(
      request(root, { runbookFile: runbook, outDir: path.join(root, 'edited'), ids: ['bad-deploy'] }),
    );
    const bundle = await bundleLikeK6(edited.find((file) => file.endsWith('bad-deploy.ts'))!);
    expect((await loadK6Options(bundle)).thresholds).toEqual({
      'chat_server_errors{endpoint:send}': ['rate<=0.02'],
    });
  });
});

describe('gameday export k6: bad input is refused before anything is written', () => {
  let root: string;
  let remove: () => Promise<void>;
  beforeAll(async () => {
    ({ root, remove } = await tempExportRoot());
  });
  afterAll(() => remove?.());

  async function refusal(run: Promise<unknown>): Promise<InputError> {
    const error = await run.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).exitCode).toBe(2);
    return error as InputError;
  }

  it('lists an unknown scenario id and a target that is not http(s) together', async () => {
    const error = await refusal(
      exportK6(request(root, { ids: ['no-such-scenario'], target: 'ftp://chat.example.com' })),
    );
    expect(error.problems).toEqual([
      expect.stringContaining('--target: expected an http(s) URL'),
      expect.stringContaining('no-such-scenario: no such scenario'),
    ]);
    expect(await fs.readdir(root)).toEqual(['node_modules']);
  });

  it('refuses a time scale or parallelism that cannot be', async () => {
    const [scenario] = await resolvedScenarios(['bad-deploy']);
    expect(() =>
      exportK6Scripts({ scenarios: [scenario!], target: 'not a url', timeScale: 0, parallelism: 1.5 }),
    ).toThrow(InputError);
  });

  it('refuses an output directory under a file, or that is a file, leaving nothing behind', async () => {
    const file = path.join(root, 'a-file');
    await fs.writeFile(file, 'not a directory');
    const under = await refusal(
      exportK6(request(root, { outDir: path.join(file, 'k6'), ids: ['bad-deploy'] })),
    );
    expect(under.message).toMatch(/cannot write the k6 scripts there: part of the path is a file/);
    const itself = await refusal(exportK6(request(root, { outDir: file, ids: ['bad-deploy'] })));
    expect(itself.message).toMatch(/it is a file, not a directory/);
    expect((await fs.readdir(root)).sort()).toEqual(['a-file', 'node_modules']);
  });

  it('refuses a read-only file system', async () => {
    await refusal(exportK6(request(root, { outDir: '/proc/gameday-k6', ids: ['bad-deploy'] })));
  });

  it('writes into an existing directory file by file, keeping the files it does not own', async () => {
    const outDir = path.join(root, 'existing');
    await fs.mkdir(outDir);
    await fs.writeFile(path.join(outDir, 'notes.md'), 'ours');
    await fs.writeFile(path.join(outDir, 'bad-deploy.ts'), 'stale');
    await exportK6(request(root, { outDir, ids: ['bad-deploy'] }));
    expect((await fs.readdir(outDir)).sort()).toEqual([
      'bad-deploy.testrun.yaml',
      'bad-deploy.ts',
      'notes.md',
      'tsconfig.json',
    ]);
    expect(await fs.readFile(path.join(outDir, 'bad-deploy.ts'), 'utf8')).toMatch(
      /^\/\*\*\n \* gameday k6 script/,
    );
    expect((await fs.readdir(root)).filter((name) => name.includes('.tmp-'))).toEqual([]);
  });
});
