import path from 'node:path';
import {
  CreateExperimentTemplateCommand,
  DeleteExperimentTemplateCommand,
  type FisClient,
} from '@aws-sdk/client-fis';
import { InputError } from '../core/errors.ts';
import type { FaultBackend, ResolvedFault } from '../faults/fault-backend.ts';
import {
  answered,
  connectFis,
  type FisConnection,
  type FisService,
  fisUnavailable,
} from '../faults/fis/fis-connection.ts';
import { FisFaults, type PreparedTemplate } from '../faults/fis/fis-faults.ts';
import { LocalFisExecutor } from '../faults/fis/local-executor.ts';
import {
  LOCAL_ACCOUNT,
  LOCAL_ROLE_ARN,
  type LocalNames,
  localFisConfig,
  localNamesFrom,
} from '../faults/fis/local-resources.ts';
import { type FisEndpoint, startFisEndpoint } from '../fis/fis-api.ts';
import type { AlarmState } from '../fis/fis-service.ts';
import { isoDurationMs } from '../fis/iso-duration.ts';
import type { FisExportConfig } from '../fis/templates.ts';
import type { ExternalConfig } from '../stack/external/external-config.ts';
import type { FaultRecorder } from '../stack/fault-ledger.ts';
import type { Stack } from '../stack/stack.ts';
import type { FisPlan } from './fis-plan.ts';

/** Where a run's FIS experiments go and what their templates target. */
export interface FisSettings {
  /** gameday's own endpoint on loopback (served for the run), or AWS's (or another URL). */
  service: { kind: 'local' } | Extract<FisService, { kind: 'aws' }>;
  config: FisExportConfig;
  /** Named in messages: the stack config's file, or "the local stack". */
  configName: string;
  /** The local endpoint: how long a rebooted database stays down, in runbook ms. */
  rebootOutageMs?: number;
  /** The local endpoint: what the stack's parts answer to (gameday's names, or the config's own). */
  names?: LocalNames;
}

/**
 * The local stacks use gameday's own endpoint with their parts named as local-resources.ts names them,
 * or as the stack config's `fis.targets` names them (a team's own ARNs and tags, so its templates run
 * locally unchanged); an external stack's config may point at AWS (fis.endpoint "aws" or a URL).
 */
export function fisSettingsOf(external: ExternalConfig | undefined): FisSettings {
  const fis = external?.fis;
  const configName = external
    ? path.relative(process.cwd(), external.file) || external.file
    : 'the local stack';
  const alarms = fis?.stopConditionAlarms ?? [];
  if (!fis || fis.endpoint === 'local') {
    const names = localNamesFrom(fis?.targets);
    return {
      service: { kind: 'local' },
      config: localFisConfig(names, alarms, fis?.roleArn ?? LOCAL_ROLE_ARN),
      configName,
      names,
      ...(fis?.rebootOutage ? { rebootOutageMs: isoDurationMs(fis.rebootOutage) } : {}),
    };
  }
  return {
    service: {
      kind: 'aws',
      ...(fis.endpoint === 'aws' ? {} : { endpoint: fis.endpoint }),
      ...(fis.region ? { region: fis.region } : {}),
    },
    config: { roleArn: fis.roleArn ?? '', targets: fis.targets, stopConditionAlarms: alarms },
    configName,
  };
}

/** The stack and ledger a run is on now: where the local endpoint's actions land and are recorded. */
export interface FisScenarioScope {
  stack: Stack;
  ledger: FaultRecorder;
  scenario: string;
}

export interface FisSession {
  faults: FaultBackend;
  /** The endpoint's URL, or "aws". */
  endpoint: string;
  /**
   * A CloudWatch alarm's state as the run sees it (the guards' seam): on the local endpoint ALARM stops
   * every experiment it is a stop condition of; on AWS, CloudWatch tells FIS itself.
   */
  alarmState(alarmArn: string, state: AlarmState): void;
  attach(scope: FisScenarioScope | undefined): void;
  /** Stops every experiment still running (the local endpoint), removes the run's templates. */
  close(): Promise<void>;
}

/**
 * FIS for one run: the local endpoint served (on loopback, for the whole run) when the stack is local,
 * the client, and every template created before any stack starts, so FIS's own ValidationException is
 * an InputError (exit 2) naming the scenario, and an endpoint that does not answer is exit 3.
 */
export async function startFisSession(
  plan: FisPlan,
  settings: FisSettings,
  { timeScale }: { timeScale: number },
): Promise<FisSession> {
  let scope: FisScenarioScope | undefined;
  let endpoint: FisEndpoint | undefined;
  if (settings.service.kind === 'local')
    endpoint = await startFisEndpoint({
      executor: new LocalFisExecutor({
        stack: () => scope?.stack,
        ledger: () => scope && { recorder: scope.ledger, scenario: scope.scenario },
        timeScale,
        ...(settings.rebootOutageMs === undefined ? {} : { rebootOutageMs: settings.rebootOutageMs }),
        ...(settings.names ? { names: settings.names } : {}),
      }),
      timeScale,
      region: LOCAL_ACCOUNT.region,
      accountId: LOCAL_ACCOUNT.accountId,
    });
  let connection: FisConnection;
  try {
    connection = await connectFis(
      settings.service.kind === 'aws' ? settings.service : { kind: 'local', url: endpoint!.url },
    );
  } catch (error) {
    await endpoint?.close();
    throw error;
  }
  const templates = new Map<ResolvedFault, PreparedTemplate>();
  const close = async () => {
    await endpoint?.close();
    if (!connection.local) await deleteTemplates(connection.client, templates);
    connection.client.destroy();
  };
  try {
    await createTemplates(plan, connection, templates, settings.configName);
  } catch (error) {
    await close();
    throw error;
  }
  return {
    faults: new FisFaults({ connection, templateFor: (fault) => templates.get(fault) }),
    endpoint: connection.endpoint,
    alarmState: (arn, state) => endpoint?.alarmState(arn, state),
    attach: (next) => {
      scope = next;
    },
    close,
  };
}

async function createTemplates(
  plan: FisPlan,
  connection: FisConnection,
  templates: Map<ResolvedFault, PreparedTemplate>,
  configName: string,
): Promise<void> {
  const problems: string[] = [];
  for (const { resolved, templates: planned } of plan.runnable) {
    for (const [index, { fault, template }] of planned.entries()) {
      try {
        const { experimentTemplate } = await connection.client.send(
          new CreateExperimentTemplateCommand(template),
        );
        templates.set(fault, { templateId: experimentTemplate!.id!, scenario: resolved.scenario.id });
      } catch (error) {
        if (!answered(error)) throw fisUnavailable(connection, error);
        const field = planned.length > 1 ? `fault[${index}]` : 'fault';
        problems.push(
          `${resolved.scenario.file}: ${field} (${fault.kind}): FIS refused its template (${(error as Error).name}): ${(error as Error).message} (targets from ${configName})`,
        );
      }
    }
  }
  if (problems.length) throw new InputError(problems);
}

async function deleteTemplates(client: FisClient, templates: Map<ResolvedFault, PreparedTemplate>) {
  for (const { templateId } of templates.values())
    await client.send(new DeleteExperimentTemplateCommand({ id: templateId })).catch(() => undefined);
}
