import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { CreateExperimentTemplateCommand, GetExperimentCommand } from '@aws-sdk/client-fis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/core/free-port.ts';
import { waitUntil } from '../../src/core/wait.ts';
import type { LedgerFile } from '../../src/stack/fault-ledger.ts';
import { runCli } from '../support/run-cli.ts';
import { latencyTemplate, startTestEndpoint } from './fis-client.ts';

/**
 * A run killed with SIGKILL in mid-experiment leaves the experiment running on an endpoint that
 * outlives it (AWS's, here a FIS endpoint in this process). The next run stops it before anything
 * else, and so does `gameday cleanup`.
 */
let stateDir: string;
const AWS_ENV = { AWS_ACCESS_KEY_ID: 'AKIAGAMEDAYTEST', AWS_SECRET_ACCESS_KEY: 'not-a-secret' };
beforeAll(async () => {
  stateDir = await fs.mkdtemp(path.join(os.tmpdir(), 'gameday-state-fis-leftovers-'));
});
afterAll(() => fs.rm(stateDir, { recursive: true, force: true }));

const ledgerFile = () => path.join(stateDir, 'faults', 'killed-fis-run.json');
const readLedger = async () => JSON.parse(await fs.readFile(ledgerFile(), 'utf8')) as LedgerFile;

describe('a FIS experiment left by a killed run', () => {
  it('is stopped by the next run before anything else, after a real SIGKILL in mid-experiment', async () => {
    // Time scale 1: the template's PT5M lasts five real minutes, far longer than this test.
    const { endpoint, client, executor } = await startTestEndpoint();
    try {
      const { experimentTemplate } = await client.send(
        new CreateExperimentTemplateCommand(latencyTemplate()),
      );
      const child = spawn(process.execPath, ['--import', 'tsx', 'test/support/fis-injector.ts'], {
        env: {
          ...process.env,
          ...AWS_ENV,
          GAMEDAY_STATE_DIR: stateDir,
          FIS_URL: endpoint.url,
          FIS_TEMPLATE_ID: experimentTemplate!.id!,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
      });
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
      });
      await waitUntil(() => stdout.includes('in place\n'), {
        timeoutMs: 20_000,
        what: `the injector's experiment to be in place: ${stdout}${stderr}`,
      });
      child.kill('SIGKILL');
      await waitUntil(() => child.signalCode === 'SIGKILL', {
        timeoutMs: 5_000,
        what: 'the injector to die',
      });

      // Killed hard: the experiment runs on, its undo only in the ledger.
      const [entry] = (await readLedger()).entries;
      const id = /FIS experiment (EXP\w+) started/.exec(stdout)![1]!;
      expect(entry).toMatchObject({
        state: 'active',
        recorded: { fis: { endpoint: endpoint.url, local: false, region: 'eu-west-1', experimentId: id } },
      });
      const before = await client.send(new GetExperimentCommand({ id }));
      expect(before.experiment!.state!.status).toBe('running');
      expect(executor.of('undo')).toHaveLength(0);

      // The next run: its scenario does not even exist (exit 2), but the experiment is stopped first.
      const run = await runCli(['run', 'no-such-scenario', '--report-dir', path.join(stateDir, 'reports')], {
        ...AWS_ENV,
        GAMEDAY_STATE_DIR: stateDir,
      });
      expect(run.code).toBe(2);
      const stopLine = `FIS experiment ${id} ("latency toxic on the database (downstream, latency=500) (FIS experiment ${id})", run killed-fis-run): stopped at ${endpoint.url} (stopped: Experiment stopped.)`;
      expect(run.stderr).toContain(stopLine);
      expect(run.stderr.indexOf(stopLine)).toBeLessThan(
        run.stderr.indexOf('no-such-scenario: no such scenario'),
      );
      const after = await client.send(new GetExperimentCommand({ id }));
      expect(after.experiment!.state).toEqual({ status: 'stopped', reason: 'Experiment stopped.' });
      expect(executor.of('undo')).toHaveLength(1);
      expect((await readLedger()).entries[0]!.state).toBe('reverted');

      // Nothing left to stop: cleanup only removes the settled ledger of a stack that is gone.
      const cleanup = await runCli(['cleanup'], { ...AWS_ENV, GAMEDAY_STATE_DIR: stateDir });
      expect(cleanup.stdout).not.toContain('FIS experiment');
      await expect(fs.access(ledgerFile())).rejects.toMatchObject({ code: 'ENOENT' });
    } finally {
      await endpoint.close();
    }
  });

  it('on an endpoint that does not answer, stops everything with exit 3 and leaves the ledger for later', async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const ledger: LedgerFile = {
      runId: 'killed-fis-run',
      owner: { pid: 999_999, startTime: 1 },
      stack: { kind: 'embedded', id: 'stack-of-killed-fis-run' },
      entries: [
        {
          id: 1,
          scenario: 'slow-database',
          kind: 'proxy-toxic',
          description: 'latency toxic on the database',
          params: {},
          recorded: {
            fis: {
              endpoint: url,
              local: false,
              region: 'eu-west-1',
              experimentTemplateId: 'EXTabc',
              clientToken: 'token',
              experimentId: 'EXPabc',
            },
          },
          state: 'active',
          registeredAt: '',
        },
      ],
    };
    await fs.mkdir(path.dirname(ledgerFile()), { recursive: true });
    await fs.writeFile(ledgerFile(), JSON.stringify(ledger));
    const cleanup = await runCli(['cleanup'], { ...AWS_ENV, GAMEDAY_STATE_DIR: stateDir });
    expect(cleanup.code).toBe(3);
    expect(cleanup.stderr).toContain(
      `gameday: a killed run left FIS experiment EXPabc ("latency toxic on the database", run killed-fis-run) at ${url}, which does not answer`,
    );
    expect(cleanup.stderr).toContain('aws fis stop-experiment --id EXPabc --region eu-west-1');
    expect(cleanup.stdout).toBe('');
    expect((await readLedger()).entries[0]!.state).toBe('active');
    await fs.rm(ledgerFile());
  });
});
