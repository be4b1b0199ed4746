import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../core/free-port.ts';
import { httpRequest } from '../../core/http-client.ts';
import { registerSecret } from '../../core/redact.ts';
import { containerLauncher } from '../containers/container-launcher.ts';
import { removeLabelled } from '../containers/docker-cli.ts';
import { type Launcher, localLauncher } from '../launcher.ts';
import {
  OBJECT_STORE_ENTRY,
  SEED_PASSWORD,
  SEED_PRESETS,
  type SeedPreset,
  type SeedSize,
} from '../reference-backend.ts';
import type {
  BackendControl,
  Capability,
  Companion,
  DatabaseControl,
  Secrets,
  Stack,
  StackComponentStatus,
  StackEndpoints,
} from '../stack.ts';
import { stackSecret } from '../stack-secret.ts';
import { BackendDeployment } from './backend-deployment.ts';
import type { BackendTarget } from './load-balancer.ts';
import { ManagedProcess } from './managed-process.ts';
import { PointInTimeRestore } from './point-in-time-restore.ts';
import { PostgresCluster } from './postgres-cluster.ts';
import { createServerRoot } from './postgres-server.ts';
import { APP_DATABASE, APP_USER, SeedSnapshot } from './seed-snapshot.ts';
import {
  cleanupLeftovers,
  processStartTime,
  type StackRecord,
  stackRegistry,
  type TrackedProcess,
} from './stack-registry.ts';

export interface EmbeddedStackOptions {
  /** Seed size: a preset name or explicit sizes (default: the game-day preset). */
  seed?: SeedPreset | SeedSize;
  /** Backend replicas behind the front (default 2). */
  replicas?: number;
  /** Release deployed as revision 1 (default 1.4.2). */
  release?: string;
  /** Extra backend environment for every revision (time-scaled windows, limits). */
  backendEnv?: Record<string, string>;
  /** Each backend replica's memory limit in MB (a pod's memory limit; see LaunchOptions.memoryLimitMb). */
  backendMemoryMb?: number;
  /** PostgreSQL's max_connections, on the primary and its replica alike (default 200, at least 20). */
  maxConnections?: number;
  /** Start a streaming replica of the database (default true). */
  databaseReplica?: boolean;
  /** Progress lines for people watching ("seeding 1,000,000 messages…"). */
  onProgress?: (message: string) => void;
  /** This process tears the stack down on SIGTERM, so `gameday stack down` may signal it. */
  stopsOnSigterm?: boolean;
  /**
   * Run every process of the stack in its own container of this image (the containers stack): the
   * same topology and lifecycle, with stops, kills and crashes those of real containers.
   */
  containers?: { image: string };
}

const here = (relative: string) => fileURLToPath(new URL(relative, import.meta.url));
const FAULT_PROXY_ENTRY = here('../../proxy/main.ts');
const LOAD_BALANCER_ENTRY = here('./load-balancer-main.ts');

export const PROXY_NAMES = {
  database: 'postgres',
  replica: 'postgres-replica',
  objectStore: 'object-store',
} as const;

const ALL_CAPABILITIES: Capability[] = [
  'rollout',
  'scale',
  'database-lifecycle',
  'database-freeze',
  'promote-replica',
  'fault-proxy',
  'database-superuser',
  'kill-replica',
  'point-in-time-restore',
  'client-addresses',
  'memory-limit',
  // A new stack is started after a scenario that uses one up.
  'reset',
];

async function httpReady(url: string): Promise<boolean> {
  return (await httpRequest(url, { timeoutMs: 1_000 }).catch(() => undefined))?.status === 200;
}

/**
 * The whole system under test on this machine, from npm packages only: a PostgreSQL primary with WAL
 * archiving and a promotable streaming replica, the attachment store, a Toxiproxy-compatible fault
 * proxy in front of both databases and the store, the backend as a Deployment of N replicas, and an
 * L4 front spreading HTTP and WebSocket connections over them. Ports are free ones, data lives in a
 * temporary directory, and everything is recorded on disk as it starts so a later run can remove what
 * a killed one left. With `containers`, the same stack runs each of those processes in its own
 * container (`--stack containers`): one lifecycle, two ways to run it.
 */
export class EmbeddedStack implements Stack {
  /** Everything the embedded stack can do. */
  static readonly capabilities: ReadonlySet<Capability> = new Set(ALL_CAPABILITIES);
  readonly kind: 'embedded' | 'containers';
  readonly capabilities = EmbeddedStack.capabilities;
  private readonly launcher: Launcher;
  endpoints!: StackEndpoints;
  readonly secrets: Secrets = {
    adminToken: stackSecret('ADMIN_TOKEN'),
    jwtSecret: stackSecret('JWT_SECRET'),
    userPassword: SEED_PASSWORD,
  };
  readonly backend: BackendControl;
  readonly database: DatabaseControl;

  private cluster!: PostgresCluster;
  private pitr: PointInTimeRestore | undefined;
  private deployment!: BackendDeployment;
  private readonly services: ManagedProcess[] = [];
  private readonly companions: Companion[] = [];
  private loadBalancerControl = '';
  private record!: StackRecord;
  private stopping: Promise<void> | undefined;
  private promoted = false;

  private constructor(
    readonly id: string,
    readonly root: string,
    containers: EmbeddedStackOptions['containers'],
  ) {
    this.kind = containers ? 'containers' : 'embedded';
    this.launcher = containers
      ? containerLauncher({ stackId: id, image: containers.image, stackRoot: root })
      : localLauncher;
    registerSecret(this.secrets.adminToken);
    registerSecret(this.secrets.jwtSecret);
    this.backend = {
      replicas: () =>
        this.deployment.status().replicas.map((replica) => ({
          name: replica.name,
          url: `http://127.0.0.1:${replica.port}`,
          ready: replica.ready,
          release: replica.release,
          revision: replica.revision,
          restarts: replica.restarts,
          pid: replica.pid,
        })),
      history: () => this.deployment.rolloutHistory(),
      deploy: (release, cause) => this.deployment.deploy(release, cause),
      undo: (toRevision) => this.deployment.undo(toRevision),
      restart: () => this.deployment.restart(),
      setEnv: (changes) => this.deployment.setEnv(changes),
      scale: (replicas) => this.deployment.scale(replicas),
      logs: (options) => this.deployment.logs(options),
      killReplica: (name, signal) => this.deployment.killReplica(name, signal),
      connectionSpread: async () => {
        const response = await httpRequest<{ backends: { name: string; active: number; total: number }[] }>(
          `${this.loadBalancerControl}/stats`,
        );
        return response.body.backends.map(({ name, active, total }) => ({ name, active, total }));
      },
    };
    this.database = {
      adminUrl: () =>
        this.promoted ? this.endpoints.database.replicaAdminUrl! : this.endpoints.database.primaryAdminUrl,
      stopPrimary: async (mode = 'immediate') => this.cluster.primary.stop(mode),
      startPrimary: () => this.cluster.primary.start(),
      promoteReplica: async () => {
        await this.cluster.promoteReplica();
        this.promoted = true;
      },
      primaryRunning: () => this.cluster.primary.running,
      freezePrimary: () => this.cluster.primary.freeze(),
      thawPrimary: () => this.cluster.primary.thaw(),
      primaryFrozen: () => this.cluster.primary.frozen,
      takeBaseBackup: () => this.pointInTimeRestore().takeBaseBackup(),
      restoreToPointInTime: (target) => this.pointInTimeRestore().restoreToPointInTime(target),
    };
  }

  /** Starts a stack (after removing whatever a killed earlier run left behind). */
  static async up(options: EmbeddedStackOptions = {}): Promise<EmbeddedStack> {
    const floor = SeedSnapshot.savingSettings.max_connections;
    if (options.maxConnections !== undefined && options.maxConnections < floor)
      throw new Error(
        `maxConnections ${options.maxConnections}: the embedded stack's replica needs at least ${floor} (the seed snapshot was stopped at ${floor}); ask for ${floor} or more`,
      );
    const progress = options.onProgress ?? (() => undefined);
    for (const report of await cleanupLeftovers()) {
      progress(
        `removed leftovers of stack ${report.stack}: stopped ${report.stopped.join(', ') || 'nothing'}; deleted ${report.removed.join(', ') || 'nothing'}`,
      );
    }
    const id = `gd-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
    const root = await createServerRoot(`gameday-${id}-`);
    const stack = new EmbeddedStack(id, root, options.containers);
    const ownerStart = (await processStartTime(process.pid)) ?? 0;
    stack.record = {
      id,
      kind: stack.kind,
      owner: { pid: process.pid, startTime: ownerStart },
      createdAt: new Date().toISOString(),
      root,
      processes: [],
      endpoints: {},
      stopsOnSigterm: options.stopsOnSigterm ?? false,
    };
    await stackRegistry.write(stack.record);
    try {
      await stack.start(options, progress);
    } catch (error) {
      await stack.down();
      throw error;
    }
    return stack;
  }

  private async start(options: EmbeddedStackOptions, progress: (message: string) => void): Promise<void> {
    const size = typeof options.seed === 'object' ? options.seed : SEED_PRESETS[options.seed ?? 'gameday'];
    const env = { GAMEDAY_STACK_ID: this.id };
    const appPassword = stackSecret('APP_PASSWORD');
    const superuserPassword = stackSecret('DATABASE_PASSWORD');
    registerSecret(appPassword);
    registerSecret(superuserPassword);
    const logDir = path.join(this.root, 'logs');
    await fs.mkdir(logDir, { recursive: true });

    // Database: from the seed snapshot, made first (initdb + seed) when there is none.
    this.cluster = new PostgresCluster({
      root: this.root,
      ports: { primary: await freePort(), replica: await freePort() },
      password: superuserPassword,
      env,
      settings: { max_connections: options.maxConnections ?? 200, fsync: 'off', full_page_writes: 'off' },
      onSpawn: (server, pid) => void this.track(`postgres-${server}`, pid, 'postgres').catch(() => undefined),
      launcher: this.launcher,
    });
    this.pitr = new PointInTimeRestore({
      cluster: this.cluster,
      root: this.root,
      database: APP_DATABASE,
      failedOver: () => this.promoted,
      onSpawn: (name, pid) => void this.track(name, pid, 'postgres').catch(() => undefined),
      onStopped: (name) => void this.untrack(name).catch(() => undefined),
    });
    const snapshot = await SeedSnapshot.for(size);
    if (!(await snapshot.exists())) {
      progress(
        `database: seeding ${size.messages.toLocaleString('en')} messages (first run; later runs reuse it)`,
      );
      await this.cluster.initialisePrimary();
      await this.cluster.startPrimary(SeedSnapshot.seedingSettings);
      await snapshot.seedServer(this.cluster.primary, appPassword);
      await this.cluster.primary.sql('CHECKPOINT');
      await this.cluster.primary.stop('fast');
      await this.cluster.startPrimary(SeedSnapshot.savingSettings);
      await this.cluster.primary.stop('fast');
      await snapshot.save(this.cluster.primary);
    }
    // The primary and the replica both start from a copy of the snapshot: no base backup to take.
    const replica = options.databaseReplica !== false;
    progress(
      `database: starting the primary${replica ? ' and its streaming replica' : ''} from the seed snapshot`,
    );
    const [snapshotPassword] = await Promise.all([
      snapshot.restoreInto(this.cluster.primary),
      replica ? snapshot.restoreInto(this.cluster.replica) : undefined,
    ]);
    await this.startPrimaryWithPassword(snapshotPassword, superuserPassword);
    await this.cluster.primary.sql(`ALTER ROLE ${APP_USER} PASSWORD '${appPassword}'`);
    if (replica) await this.cluster.createReplica();

    progress('starting the attachment store, the fault proxy and the front');
    const storePort = await freePort();
    const proxyPort = await freePort();
    const frontPort = await freePort();
    const controlPort = await freePort();
    const store = this.service('object-store', OBJECT_STORE_ENTRY, { PORT: String(storePort) }, logDir, () =>
      httpReady(`http://127.0.0.1:${storePort}/health`),
    );
    const proxy = this.service('fault-proxy', FAULT_PROXY_ENTRY, { PORT: String(proxyPort) }, logDir, () =>
      httpReady(`http://127.0.0.1:${proxyPort}/version`),
    );
    this.loadBalancerControl = `http://127.0.0.1:${controlPort}`;
    const front = this.service(
      'front',
      LOAD_BALANCER_ENTRY,
      { PORT: String(frontPort), CONTROL_PORT: String(controlPort) },
      logDir,
      () => httpReady(`${this.loadBalancerControl}/stats`),
    );
    await Promise.all([store, proxy, front].map((service) => service.start()));

    const proxyApiUrl = `http://127.0.0.1:${proxyPort}`;
    const proxies = [
      { name: PROXY_NAMES.database, upstream: `127.0.0.1:${this.cluster.primary.options.port}` },
      { name: PROXY_NAMES.objectStore, upstream: `127.0.0.1:${storePort}` },
      ...(options.databaseReplica !== false
        ? [{ name: PROXY_NAMES.replica, upstream: `127.0.0.1:${this.cluster.replica.options.port}` }]
        : []),
    ].map((p) => ({ ...p, listen: '127.0.0.1:0', enabled: true }));
    const populated = await httpRequest<{ proxies: { name: string; listen: string }[] }>(
      `${proxyApiUrl}/populate`,
      {
        body: proxies,
      },
    );
    if (populated.status !== 201)
      throw new Error(`fault proxy populate failed: ${JSON.stringify(populated.body)}`);
    const listenOf = (name: string) => populated.body.proxies.find((p) => p.name === name)?.listen;
    const appUrl = (listen: string | undefined) =>
      listen ? `postgresql://${APP_USER}:${appPassword}@${listen}/${APP_DATABASE}` : undefined;

    this.endpoints = {
      frontUrl: `http://127.0.0.1:${frontPort}`,
      proxyApiUrl,
      proxies: { ...PROXY_NAMES, ...(options.databaseReplica === false ? { replica: undefined } : {}) },
      objectStoreUrl: `http://${listenOf(PROXY_NAMES.objectStore)}`,
      database: {
        primaryAdminUrl: this.cluster.primary.url(APP_DATABASE),
        replicaAdminUrl:
          options.databaseReplica === false ? undefined : this.cluster.replica.url(APP_DATABASE),
        appUrl: appUrl(listenOf(PROXY_NAMES.database))!,
        replicaAppUrl: appUrl(listenOf(PROXY_NAMES.replica)),
        appUser: APP_USER,
        appDatabase: APP_DATABASE,
      },
    };

    const replicas = options.replicas ?? 2;
    progress(`starting ${replicas} backend replica(s)`);
    this.deployment = new BackendDeployment({
      launcher: this.launcher,
      memoryLimitMb: options.backendMemoryMb,
      baseEnv: {
        GAMEDAY_STACK_ID: this.id,
        DATABASE_URL: this.endpoints.database.appUrl,
        OBJECT_STORE_URL: this.endpoints.objectStoreUrl!,
        ADMIN_TOKEN: this.secrets.adminToken,
        JWT_SECRET: this.secrets.jwtSecret,
        SOCKET_IO_ADAPTER: 'postgres',
        LOG_LEVEL: 'info',
        ...options.backendEnv,
      },
      logDir,
      setTargets: (targets: BackendTarget[]) =>
        httpRequest(`${this.loadBalancerControl}/backends`, {
          method: 'PUT',
          body: { backends: targets },
        }).then(() => undefined),
      onProcess: (pid, name) =>
        void this.track(name, pid, 'node').catch((error: Error) =>
          progress(`could not record ${name}: ${error.message}`),
        ),
    });
    await this.deployment.start({ release: options.release ?? '1.4.2', env: {} }, replicas);
    this.record.endpoints = {
      front: this.endpoints.frontUrl,
      'fault proxy (Toxiproxy API)': proxyApiUrl,
      'postgres primary': `127.0.0.1:${this.cluster.primary.options.port}`,
      ...(options.databaseReplica === false
        ? {}
        : { 'postgres replica': `127.0.0.1:${this.cluster.replica.options.port}` }),
      'attachment store': `http://127.0.0.1:${storePort}`,
      data: this.root,
    };
    await stackRegistry.write(this.record);
  }

  /** Starts a primary restored from the snapshot and gives its superuser this stack's own password. */
  private async startPrimaryWithPassword(snapshotPassword: string, password: string): Promise<void> {
    const primary = this.cluster.primary;
    const original = primary.options.password;
    primary.options.password = snapshotPassword;
    await this.cluster.startPrimary();
    await primary.sql(`ALTER ROLE ${primary.options.superuser} PASSWORD '${password}'`);
    primary.options.password = original;
  }

  private service(
    name: string,
    entry: string,
    env: Record<string, string>,
    logDir: string,
    ready: () => Promise<boolean>,
  ): ManagedProcess {
    const service = new ManagedProcess({
      name,
      entry,
      env: { GAMEDAY_STACK_ID: this.id, ...env },
      logFile: path.join(logDir, `${name}.log`),
      ready,
      onSpawn: (pid) => void this.track(name, pid, 'node').catch(() => undefined),
      launcher: this.launcher,
    });
    this.services.push(service);
    return service;
  }

  private pointInTimeRestore(): PointInTimeRestore {
    if (!this.pitr) throw new Error('the stack has no database yet');
    return this.pitr;
  }

  /** Records a started process on disk, so a crashed harness's leftovers can be found. */
  private async track(name: string, pid: number | undefined, kind: TrackedProcess['kind']): Promise<void> {
    if (!pid) return;
    const startTime = await processStartTime(pid);
    if (startTime === undefined) return;
    this.record.processes = [
      ...this.record.processes.filter((p) => p.name !== name),
      { name, pid, startTime, kind },
    ];
    await stackRegistry.write(this.record);
  }

  /** An endpoint served beside the stack (the FIS API of `gameday stack up`), listed by `stack status`. */
  async announce(name: string, url: string): Promise<void> {
    this.record.endpoints = { ...this.record.endpoints, [name]: url };
    await stackRegistry.write(this.record);
  }

  private async untrack(name: string): Promise<void> {
    this.record.processes = this.record.processes.filter((p) => p.name !== name);
    await stackRegistry.write(this.record);
  }

  async companionDir(name: string): Promise<string> {
    const dir = path.join(this.root, name);
    await fs.mkdir(dir, { recursive: true });
    return dir;
  }

  async adopt(companion: Companion): Promise<void> {
    this.companions.push(companion);
    await this.track(companion.name, companion.pid, 'companion');
  }

  async status(): Promise<StackComponentStatus[]> {
    const deployment = this.deployment?.status();
    return [
      { name: 'postgres-primary', state: this.cluster?.primary.running ? 'running' : 'stopped' },
      { name: 'postgres-replica', state: this.cluster?.replica.running ? 'running' : 'stopped' },
      ...this.services.map((service) => ({
        name: service.options.name,
        state: service.running ? ('running' as const) : ('stopped' as const),
      })),
      {
        name: 'chat-backend',
        state: deployment && deployment.readyReplicas > 0 ? 'running' : 'stopped',
        detail: deployment
          ? `${deployment.readyReplicas}/${deployment.desiredReplicas} ready, revision ${deployment.revision}, release ${deployment.release}`
          : undefined,
      },
    ];
  }

  down(): Promise<void> {
    this.stopping ??= (async () => {
      // Prometheus first: it would only record the stack's processes going away.
      await Promise.all(this.companions.map((companion) => companion.stop().catch(() => undefined)));
      await this.deployment?.stop();
      await Promise.all(this.services.map((service) => service.stop(5_000)));
      await Promise.all([this.pitr?.closeAll(), this.cluster?.stop()]);
      // Whatever container did not stop with its process (a launch that failed half-way).
      if (this.kind === 'containers') await removeLabelled(this.id).catch(() => undefined);
      await fs.rm(this.root, { recursive: true, force: true });
      await stackRegistry.remove(this.id);
    })();
    return this.stopping;
  }
}
