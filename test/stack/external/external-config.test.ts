import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError, StackUnavailableError } from '../../../src/core/errors.ts';
import { freePort } from '../../../src/core/free-port.ts';
import { readExternalConfig } from '../../../src/stack/external/external-config.ts';
import { ExternalStack } from '../../../src/stack/external/external-stack.ts';

let dir: string;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'gameday-external-config-'));
});
afterAll(() => fs.rm(dir, { recursive: true, force: true }));

async function configFile(name: string, content: unknown): Promise<string> {
  const file = path.join(dir, name);
  await fs.writeFile(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

async function problemsOf(file: string): Promise<string[]> {
  const error = await readExternalConfig(file).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(InputError);
  return (error as InputError).problems;
}

function gameday(args: string[]): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, ['bin/gameday.js', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stderr })));
}

const valid = (port: number) => ({
  frontUrl: `http://127.0.0.1:${port}`,
  replicas: [{ name: 'one', url: `http://127.0.0.1:${port}` }],
  database: {
    primaryAdminUrl: `postgresql://postgres:pw@127.0.0.1:${port}/chatdb`,
    appUrl: `postgresql://chatuser:pw@127.0.0.1:${port}/chatdb`,
  },
  secrets: { adminToken: 'token', jwtSecret: 'a-secret-of-16-chars-or-more' },
});

describe('the external stack config', () => {
  it("describes docker-compose.yml's stack with the capabilities its commands give", async () => {
    const config = await readExternalConfig('compose/gameday-stack.json');
    const capabilities = [...ExternalStack.capabilitiesOf(config)].sort();
    expect(capabilities).toEqual([
      'database-freeze',
      'database-lifecycle',
      'database-superuser',
      'fault-proxy',
      'kill-replica',
      'promote-replica',
      'reset',
      'rollout',
    ]);
    // Its Prometheus and Alertmanager, for --alert-source, at the intervals its prometheus.yml sets.
    expect(config.monitoring).toEqual({
      prometheusUrl: 'http://127.0.0.1:9090',
      alertmanagerUrl: 'http://127.0.0.1:9093',
      scrapeIntervalMs: 250,
      evaluationIntervalMs: 250,
      exporters: { postgres: '127.0.0.1:9187', kubeState: '127.0.0.1:9188' },
    });
  });

  it('names the file, each wrong field and the fix, all at once', async () => {
    const file = await configFile('wrong.json', {
      ...valid(1),
      frontUrl: 'localhost:3001',
      secrets: { adminToken: 'token', jwtSecret: 'short' },
      commands: { stopPrimary: 'docker stop db', deploy: 'kubectl apply' },
    });
    const problems = await problemsOf(file);
    const shown = path.relative(process.cwd(), file);
    expect(problems.every((p) => p.startsWith(`${shown}: `))).toBe(true);
    expect(problems.join('\n')).toMatch(/frontUrl: expected an http:\/\/ URL/);
    expect(problems.join('\n')).toMatch(/secrets\.jwtSecret: /);
    expect(problems.join('\n')).toMatch(/commands: Unrecognized key.*"deploy"/);
  });

  it('pairs stop with start: a primary it cannot bring back is refused', async () => {
    const file = await configFile('unpaired.json', {
      ...valid(1),
      commands: { stopPrimary: 'docker stop db' },
    });
    expect((await problemsOf(file)).join('\n')).toMatch(/stopPrimary and startPrimary go together/);
  });

  it('does not take a reference to toString for a set variable (process.env inherits it)', async () => {
    const file = await configFile('inherited.json', {
      ...valid(1),
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the config's own ${NAME} syntax, not a template
      secrets: { adminToken: '${toString}', jwtSecret: 'a-secret-of-16-chars-or-more' },
    });
    expect((await problemsOf(file)).join('\n')).toMatch(/secrets\.adminToken: \$\{toString\} is not set/);
  });

  it('takes $NAME references from the environment and says which one is missing', async () => {
    const file = await configFile('secrets.json', {
      ...valid(1),
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the config's own ${NAME} syntax, not a template
      secrets: { adminToken: '${GAMEDAY_TEST_UNSET_TOKEN}', jwtSecret: 'a-secret-of-16-chars-or-more' },
    });
    expect((await problemsOf(file)).join('\n')).toMatch(
      /secrets\.adminToken: \$\{GAMEDAY_TEST_UNSET_TOKEN\} is not set; export GAMEDAY_TEST_UNSET_TOKEN/,
    );
  });

  it('rejects a file that is not JSON, naming it', async () => {
    const file = await configFile('broken.json', '{ "frontUrl": ');
    expect((await problemsOf(file))[0]).toMatch(/broken\.json: not valid JSON/);
  });
});

describe('faults a killed run left on an external stack', () => {
  it('refuse the stack when it has no reset command, naming each fault, what it recorded and the ledger', async () => {
    const state = await fs.mkdtemp(path.join(os.tmpdir(), 'gameday-state-leftovers-'));
    const before = process.env.GAMEDAY_STATE_DIR;
    process.env.GAMEDAY_STATE_DIR = state;
    try {
      const file = await configFile('no-reset.json', valid(1));
      const config = await readExternalConfig(file);
      const ledger = path.join(state, 'faults', 'killed-run.json');
      await fs.mkdir(path.dirname(ledger), { recursive: true });
      await fs.writeFile(
        ledger,
        JSON.stringify({
          runId: 'killed-run',
          // No process has this pid: the run that wrote the ledger is gone.
          owner: { pid: 2 ** 22 + 1, startTime: 1 },
          stack: { kind: 'external', id: 'ext-killed', config: config.file },
          entries: [
            {
              id: 1,
              scenario: 'dependency-down',
              kind: 'proxy-down',
              description: 'cut the network to the objectStore',
              params: { proxy: 'objectStore' },
              state: 'active',
              registeredAt: new Date().toISOString(),
            },
          ],
        }),
      );
      const error = await ExternalStack.recoverLeftovers(config, () => undefined).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StackUnavailableError);
      expect((error as Error).message).toMatch(
        /a killed run left faults in place .*"cut the network to the objectStore" \(run killed-run, recorded \{"proxy":"objectStore"\}\)\. Revert them by hand, then delete .*killed-run\.json/,
      );
      // Refused, nothing removed: the ledger stays until someone has reverted the fault.
      await expect(fs.access(ledger)).resolves.toBeUndefined();
    } finally {
      if (before === undefined) delete process.env.GAMEDAY_STATE_DIR;
      else process.env.GAMEDAY_STATE_DIR = before;
      await fs.rm(state, { recursive: true, force: true });
    }
  });
});

describe('gameday run --stack external', () => {
  it('exits 2 without --stack-config', async () => {
    const { code, stderr } = await gameday(['run', '--stack', 'external']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/--stack-config: required with --stack external/);
  });

  it('exits 3 when the stack does not answer, naming each endpoint, and injects nothing', async () => {
    const file = await configFile('down.json', valid(await freePort()));
    const { code, stderr } = await gameday([
      'run',
      'lock-contention',
      '--stack',
      'external',
      '--stack-config',
      file,
    ]);
    expect(code).toBe(3);
    expect(stderr).toMatch(/does not answer/);
    expect(stderr).toMatch(/frontUrl: .*ECONNREFUSED/);
    expect(stderr).toMatch(/database\.primaryAdminUrl: .*ECONNREFUSED/);
    expect(stderr).not.toMatch(/fault-injected/);
  });
});
