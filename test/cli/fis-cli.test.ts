import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  CreateExperimentTemplateCommand,
  type CreateExperimentTemplateCommandInput,
} from '@aws-sdk/client-fis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/core/free-port.ts';
import { errorOf, startTestEndpoint } from '../fis/fis-client.ts';
import { runCli } from '../support/run-cli.ts';

/**
 * `gameday export fis` and the bad input of `gameday run --faults fis`: every exported template is
 * accepted by CreateExperimentTemplate on the local endpoint through the real client; an invalid
 * template, a missing target or a fault without an equivalent is exit 2 naming the scenario and the
 * field before anything starts; a FIS endpoint that does not answer is exit 3.
 */
let dir: string;
let endpoint: Awaited<ReturnType<typeof startTestEndpoint>>;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'gameday-fis-cli-'));
  endpoint = await startTestEndpoint();
});
afterAll(async () => {
  await endpoint?.endpoint.close();
  await fs.rm(dir, { recursive: true, force: true });
});

const ACCOUNT = 'arn:aws:%s:eu-west-1:210987654321';
const arn = (service: string, rest: string) => `${ACCOUNT.replace('%s', service)}:${rest}`;
const AWS_ENV = { AWS_ACCESS_KEY_ID: 'AKIAGAMEDAYTEST', AWS_SECRET_ACCESS_KEY: 'not-a-secret' };

/** A stack config whose parts answer nowhere (nothing may be contacted before FIS is), with a fis section. */
async function stackConfig(name: string, fis: Record<string, unknown>): Promise<string> {
  const file = path.join(dir, `${name}.json`);
  await fs.writeFile(
    file,
    JSON.stringify({
      frontUrl: 'http://127.0.0.1:9',
      replicas: [{ name: 'chat-backend', url: 'http://127.0.0.1:9' }],
      database: {
        primaryAdminUrl: 'postgresql://postgres:pw@127.0.0.1:9/chatdb',
        replicaAdminUrl: 'postgresql://postgres:pw@127.0.0.1:9/chatdb',
        appUrl: 'postgresql://chatuser:pw@127.0.0.1:9/chatdb',
        replicaAppUrl: 'postgresql://chatuser:pw@127.0.0.1:9/chatdb',
      },
      secrets: { adminToken: 'token', jwtSecret: 'a-jwt-secret-of-16+' },
      commands: { stopPrimary: 'true', startPrimary: 'true', rollout: 'true', reset: 'true' },
      fis,
    }),
  );
  return file;
}

const awsFis = {
  endpoint: 'aws',
  region: 'eu-west-1',
  roleArn: arn('iam', 'role/chat-fis').replace(':eu-west-1:', '::'),
  targets: {
    dbInstance: arn('rds', 'db:chat-primary'),
    ecsTasks: { tags: { service: 'chat-backend' }, cluster: 'chat' },
    subnets: {
      database: { arns: [arn('ec2', 'subnet/subnet-0a1b2c3d4e5f60718')] },
      replica: { tags: { tier: 'replica' } },
      backend: { tags: { tier: 'backend' } },
    },
    endpoints: { database: 'chat-primary.abc.eu-west-1.rds.amazonaws.com', objectStore: 'S3' },
  },
  stopConditionAlarms: [arn('cloudwatch', 'alarm:chat-sends-failing')],
};

const readTemplates = async (out: string) =>
  Object.fromEntries(
    await Promise.all(
      (await fs.readdir(out)).map(async (name) => [
        name.replace(/\.json$/, ''),
        JSON.parse(await fs.readFile(path.join(out, name), 'utf8')) as CreateExperimentTemplateCommandInput,
      ]),
    ),
  ) as Record<string, CreateExperimentTemplateCommandInput>;

describe('gameday export fis', () => {
  it('writes one template per scenario with a FIS equivalent; each is accepted by CreateExperimentTemplate', async () => {
    const placeholders = path.join(dir, 'placeholders');
    const filled = path.join(dir, 'filled');
    const [plain, configured] = await Promise.all([
      runCli(['export', 'fis', '--out', placeholders]),
      runCli([
        'export',
        'fis',
        'database-outage',
        'database-hang',
        '--out',
        filled,
        '--stack-config',
        await stackConfig('aws', awsFis),
      ]),
    ]);
    expect(plain.code).toBe(0);
    expect(plain.stdout).toBe(`5 experiment templates in ${placeholders}\n`);
    expect(plain.stderr).toContain(
      'missing-index: skipped, FIS has no equivalent (drop-index: FIS does not act inside a database',
    );
    const exported = await readTemplates(placeholders);
    expect(Object.keys(exported).sort()).toEqual([
      'database-hang',
      'database-outage',
      'dependency-down',
      'duplicate-messages',
      'pool-exhausted',
    ]);
    expect(exported['database-outage']!.actions!['reboot-primary']!.actionId).toBe(
      'aws:rds:reboot-db-instances',
    );
    expect(exported['database-hang']!.actions!['freeze-primary']).toMatchObject({
      actionId: 'aws:network:disrupt-connectivity',
      // FIS's units (time scale 1): the scenario's course twice, plus its remedy's real work.
      parameters: { duration: 'PT35M', scope: 'all' },
    });
    expect(exported['dependency-down']!.actions!['cut-object-store']!.parameters).toMatchObject({
      scope: 's3',
    });
    expect(exported['pool-exhausted']!.actions!['slow-database-link']!.actionId).toBe(
      'aws:ecs:task-network-latency',
    );
    expect(exported['database-outage']!.roleArn).toMatch(/REPLACE-/);

    expect(configured.code).toBe(0);
    const fromConfig = await readTemplates(filled);
    expect(Object.keys(fromConfig).sort()).toEqual(['database-hang', 'database-outage']);
    expect(fromConfig['database-outage']!.roleArn).toBe(awsFis.roleArn);
    expect(fromConfig['database-outage']!.targets!['primary-database']!.resourceArns).toEqual([
      awsFis.targets.dbInstance,
    ]);
    expect(fromConfig['database-hang']!.stopConditions).toEqual([
      { source: 'aws:cloudwatch:alarm', value: awsFis.stopConditionAlarms[0] },
    ]);

    for (const template of [...Object.values(exported), ...Object.values(fromConfig)]) {
      const { experimentTemplate } = await endpoint.client.send(
        new CreateExperimentTemplateCommand(template),
      );
      expect(experimentTemplate!.id).toMatch(/^EXT/);
    }
  });

  it('refuses an invalid template as FIS does, naming the scenario and the field; writes nothing', async () => {
    const out = path.join(dir, 'refused');
    const config = await stackConfig('bad-alarm', {
      ...awsFis,
      stopConditionAlarms: ['arn:aws:sns:eu-west-1:210987654321:not-an-alarm'],
    });
    const result = await runCli(['export', 'fis', 'database-outage', '--out', out, '--stack-config', config]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      'gameday: scenarios/database-outage.ts: fault: FIS would refuse the template (ValidationException): Stop condition 1: arn:aws:sns:eu-west-1:210987654321:not-an-alarm is not the ARN of a CloudWatch alarm.',
    );
    await expect(fs.access(out)).rejects.toThrow();
    // The endpoint answers that template with FIS's own error.
    const error = await errorOf(
      endpoint.client.send(
        new CreateExperimentTemplateCommand({
          description: 'bad alarm',
          roleArn: awsFis.roleArn,
          stopConditions: [
            { source: 'aws:cloudwatch:alarm', value: 'arn:aws:sns:eu-west-1:210987654321:not-an-alarm' },
          ],
          targets: {
            db: {
              resourceType: 'aws:rds:db',
              resourceArns: [awsFis.targets.dbInstance],
              selectionMode: 'ALL',
            },
          },
          actions: { reboot: { actionId: 'aws:rds:reboot-db-instances', targets: { DBInstances: 'db' } } },
        }),
      ),
    );
    expect(error.name).toBe('ValidationException');
    expect(error.$metadata?.httpStatusCode).toBe(400);
    expect(error.message).toBe(
      'Stop condition 1: arn:aws:sns:eu-west-1:210987654321:not-an-alarm is not the ARN of a CloudWatch alarm.',
    );
  });
});

describe('gameday run --faults fis, bad input', () => {
  it('exit 2 before anything starts: a template FIS would refuse, a missing target, a fault without an equivalent', async () => {
    const badAlarm = await stackConfig('run-bad-alarm', {
      ...awsFis,
      stopConditionAlarms: ['arn:aws:sns:eu-west-1:210987654321:not-an-alarm'],
    });
    const noTargets = await stackConfig('run-no-targets', { ...awsFis, targets: {} });
    const [refused, untargeted] = await Promise.all([
      runCli(
        [
          'run',
          'database-outage',
          'missing-index',
          '--stack',
          'external',
          '--stack-config',
          badAlarm,
          '--faults',
          'fis',
        ],
        { ...AWS_ENV, GAMEDAY_STATE_DIR: path.join(dir, 'state-a') },
      ),
      runCli(
        ['run', 'database-outage', '--stack', 'external', '--stack-config', noTargets, '--faults', 'fis'],
        {
          ...AWS_ENV,
          GAMEDAY_STATE_DIR: path.join(dir, 'state-b'),
        },
      ),
    ]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('2 problems:');
    expect(refused.stderr).toContain(
      'scenarios/database-outage.ts: fault (stop-primary → aws:rds:reboot-db-instances): FIS would refuse the template (ValidationException): Stop condition 1: arn:aws:sns:eu-west-1:210987654321:not-an-alarm is not the ARN of a CloudWatch alarm.',
    );
    expect(refused.stderr).toMatch(
      /scenarios\/missing-index\.ts: fault: FIS has no equivalent \(drop-index: .*\); run it with --faults local/,
    );
    expect(untargeted.code).toBe(2);
    expect(untargeted.stderr).toMatch(
      /run-no-targets\.json: fis: database-outage needs stop-primary: set targets\.dbInstance \(RDS\) or targets\.dbCluster \(Aurora\)/,
    );
  });

  it('exit 3 when the FIS endpoint does not answer, before the stack is touched', async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const config = await stackConfig('dead-endpoint', { ...awsFis, endpoint: url });
    const result = await runCli(
      ['run', 'database-outage', '--stack', 'external', '--stack-config', config, '--faults', 'fis'],
      { ...AWS_ENV, GAMEDAY_STATE_DIR: path.join(dir, 'state-c') },
    );
    expect(result.code).toBe(3);
    // The FIS endpoint, not the stack's front (127.0.0.1:9), which was never contacted.
    expect(result.stderr).toMatch(
      new RegExp(`gameday: the FIS endpoint ${url} does not answer: .*ECONNREFUSED`),
    );
  });
});
