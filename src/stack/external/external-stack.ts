import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { StackUnavailableError } from '../../core/errors.ts';
import { httpRequest } from '../../core/http-client.ts';
import { registerSecret } from '../../core/redact.ts';
import { waitUntil } from '../../core/wait.ts';
import { databaseClient } from '../database-session.ts';
import { stateDir } from '../embedded/stack-registry.ts';
import { orphanedLedgers } from '../fault-ledger.ts';
import type {
  Capability,
  KubernetesTarget,
  Secrets,
  Stack,
  StackComponentStatus,
  StackEndpoints,
} from '../stack.ts';
import { ExternalBackend } from './external-backend.ts';
import type { ExternalConfig } from './external-config.ts';
import { ExternalDatabase } from './external-database.ts';
import { StackCommands } from './stack-commands.ts';

/** What the config lets gameday do: each command present is a capability. */
function capabilitiesOf(config: ExternalConfig): Set<Capability> {
  const commands = new StackCommands(config);
  const capabilities = new Set<Capability>(['database-superuser']);
  if (config.proxyApiUrl) capabilities.add('fault-proxy');
  if (commands.has('rollout')) capabilities.add('rollout');
  if (commands.has('scale')) capabilities.add('scale');
  if (commands.has('stopPrimary')) capabilities.add('database-lifecycle');
  if (commands.has('freezePrimary')) capabilities.add('database-freeze');
  if (commands.has('killReplica')) capabilities.add('kill-replica');
  if (commands.has('reset')) capabilities.add('reset');
  if (config.database.replicaAdminUrl) capabilities.add('promote-replica');
  if (config.seesClientAddresses) capabilities.add('client-addresses');
  return capabilities;
}

function endpointsOf(config: ExternalConfig): StackEndpoints {
  return {
    frontUrl: config.frontUrl,
    proxyApiUrl: config.proxyApiUrl,
    proxies: config.proxies,
    objectStoreUrl: config.objectStoreUrl,
    database: config.database,
  };
}

function passwordOf(url: string | undefined): string | undefined {
  return url ? decodeURIComponent(new URL(url).password) || undefined : undefined;
}

async function reachable(url: string): Promise<string | undefined> {
  if (url.startsWith('postgres')) {
    // A server going down under an idle client is an answer here, not a crash.
    const client = databaseClient({ connectionString: url, connectionTimeoutMillis: 5_000 });
    try {
      await client.connect();
      await client.query('SELECT 1');
      return undefined;
    } catch (error) {
      return (error as Error).message;
    } finally {
      await client.end().catch(() => undefined);
    }
  }
  try {
    const response = await httpRequest(url, { timeoutMs: 5_000 });
    return response.status < 500 ? undefined : `HTTP ${response.status}`;
  } catch (error) {
    return (error as Error).message || String(error);
  }
}

/**
 * A stack someone else runs (docker-compose.yml's, or a staging environment), described by a config
 * file. Gameday starts nothing here: it checks every endpoint answers, changes the backend only through
 * the config's commands, and on `down()` rolls the backend back to the deployment it found.
 */
export class ExternalStack implements Stack {
  readonly kind = 'external' as const;
  readonly capabilities: ReadonlySet<Capability>;
  readonly endpoints: StackEndpoints;
  readonly secrets: Secrets;
  readonly backend: ExternalBackend;
  readonly database: ExternalDatabase;
  readonly kubernetes?: KubernetesTarget;
  private readonly commands: StackCommands;

  private constructor(
    readonly id: string,
    private readonly config: ExternalConfig,
    private readonly stateDir: string,
  ) {
    this.capabilities = capabilitiesOf(config);
    this.commands = new StackCommands(config);
    this.endpoints = endpointsOf(config);
    this.secrets = config.secrets;
    this.backend = new ExternalBackend(config, this.commands, stateDir);
    this.database = new ExternalDatabase(config, this.commands);
    if (config.kubernetes) this.kubernetes = config.kubernetes;
  }

  static capabilitiesOf = capabilitiesOf;
  static endpointsOf = endpointsOf;

  /**
   * Faults a killed run left in place on this stack (its ledger names the same config file): the stack
   * is put back as new with `commands.reset`, and the ledgers go. Without a reset command the run is
   * refused, listing each fault with what it recorded, so nobody tests on a stack still broken.
   * Returns how many faults were cleared.
   */
  static async recoverLeftovers(config: ExternalConfig, progress: (line: string) => void): Promise<number> {
    const left = (await orphanedLedgers()).filter(
      (ledger) => ledger.stack.kind === 'external' && ledger.stack.config === config.file,
    );
    const active = left.flatMap((ledger) =>
      ledger.entries
        .filter((entry) => entry.state !== 'reverted')
        .map(
          (entry) =>
            `"${entry.description}" (run ${ledger.runId}, recorded ${JSON.stringify(entry.recorded ?? entry.params)})`,
        ),
    );
    if (active.length > 0) {
      const commands = new StackCommands(config);
      if (!commands.has('reset')) {
        throw new StackUnavailableError(
          `a killed run left faults in place on the stack of ${config.file}: ${active.join('; ')}. Revert them by hand, then delete ${left.map((l) => l.path).join(', ')}`,
        );
      }
      progress(
        `stack: a killed run left ${active.join('; ')} in place: putting the stack back as new (commands.reset)`,
      );
      await commands.run('reset', { GAMEDAY_BACKEND_ENV_FILE: '' });
      await waitUntil(
        async () =>
          (await reachable(`${config.frontUrl}/api/v1/health`)) === undefined &&
          (await reachable(config.database.primaryAdminUrl)) === undefined,
        {
          timeoutMs: config.backend.readyTimeoutSeconds * 1000,
          intervalMs: 500,
          what: 'the stack to answer after its reset',
        },
      );
    }
    for (const ledger of left) {
      await fs.rm(ledger.path, { force: true });
      // The killed run's revision files (they may hold credentials).
      await fs.rm(path.join(stateDir(), 'external', path.basename(ledger.stack.id)), {
        recursive: true,
        force: true,
      });
    }
    return active.length;
  }

  /** Checks every endpoint answers (else StackUnavailableError, naming each), then attaches. */
  static async connect(config: ExternalConfig): Promise<ExternalStack> {
    for (const secret of [
      config.secrets.adminToken,
      config.secrets.jwtSecret,
      ...Object.values(config.database).map((value) =>
        value.includes('://') ? passwordOf(value) : undefined,
      ),
    ]) {
      registerSecret(secret);
    }
    const checks: [string, string | undefined][] = [
      ['frontUrl', `${config.frontUrl}/api/v1/health`],
      ...config.replicas.map((r, i): [string, string] => [`replicas[${i}].url`, `${r.url}/api/v1/health`]),
      ['proxyApiUrl', config.proxyApiUrl && `${config.proxyApiUrl}/version`],
      ['database.primaryAdminUrl', config.database.primaryAdminUrl],
      ['database.replicaAdminUrl', config.database.replicaAdminUrl],
      ['database.appUrl', config.database.appUrl],
    ];
    const failures = (
      await Promise.all(
        checks.map(async ([field, url]) => {
          const problem = url ? await reachable(url) : undefined;
          return problem ? `${field}: ${problem}` : undefined;
        }),
      )
    ).filter(Boolean);
    if (failures.length > 0) {
      throw new StackUnavailableError(
        `the external stack of ${path.relative(process.cwd(), config.file) || config.file} does not answer (is it up? \`docker-compose up -d\` for docker-compose.yml):\n${failures.map((f) => `  - ${f}`).join('\n')}`,
      );
    }
    const id = `ext-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
    const dir = path.join(stateDir(), 'external', id);
    await fs.mkdir(dir, { recursive: true, mode: 0o700 });
    const stack = new ExternalStack(id, config, dir);
    await stack.backend.attach();
    return stack;
  }

  /** A scenario's stack settings: the backend's release and environment, rolled out if they differ. */
  async configure(settings: {
    release?: string;
    env: Record<string, string>;
    replicas?: number;
  }): Promise<void> {
    await this.backend.configure(settings.release, settings.env);
    if (settings.replicas !== undefined && this.capabilities.has('scale'))
      await this.backend.scale(settings.replicas);
  }

  /** Puts the stack back as new (`commands.reset`) and waits until it answers as found. */
  async reset(): Promise<void> {
    await this.commands.run('reset', { GAMEDAY_BACKEND_ENV_FILE: '' });
    this.database.reset();
    await this.database.waitForPrimary();
    await this.backend.attach();
  }

  async status(): Promise<StackComponentStatus[]> {
    const state = async (name: string, url: string | undefined): Promise<StackComponentStatus[]> => {
      if (!url) return [];
      const problem = await reachable(url);
      return [{ name, state: problem ? 'stopped' : 'running', ...(problem ? { detail: problem } : {}) }];
    };
    const parts = await Promise.all([
      state('postgres-primary', this.config.database.primaryAdminUrl),
      state('postgres-replica', this.config.database.replicaAdminUrl),
      state('fault-proxy', this.config.proxyApiUrl && `${this.config.proxyApiUrl}/version`),
      ...this.config.replicas.map((r) => state(r.name, `${r.url}/api/v1/health`)),
    ]);
    return parts.flat();
  }

  /** Rolls the backend back to the deployment as found and removes gameday's files; starts nothing. */
  async down(): Promise<void> {
    try {
      await this.backend.detach();
    } finally {
      await fs.rm(this.stateDir, { recursive: true, force: true });
    }
  }
}
