import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import {
  type ContainerRuntimeClient,
  type GenericContainer,
  StartedNetwork as Network,
  type StartedNetwork,
  type StartedTestContainer,
  Wait,
} from 'testcontainers';
import { StackUnavailableError } from '../../core/errors.ts';
import { freePort } from '../../core/free-port.ts';
import { httpRequest } from '../../core/http-client.ts';
import { registerSecret } from '../../core/redact.ts';
import { waitUntil } from '../../core/wait.ts';
import { GAMEDAY_LABEL, killFrozenProcesses } from '../containers/docker-cli.ts';
import { databaseClient } from '../database-session.ts';
import { PROXY_NAMES } from '../embedded/embedded-stack.ts';
import { ManagedProcess } from '../embedded/managed-process.ts';
import { createServerRoot } from '../embedded/postgres-server.ts';
import { APP_DATABASE, APP_USER } from '../embedded/seed-snapshot.ts';
import {
  cleanupLeftovers,
  processStartTime,
  type StackRecord,
  stackRegistry,
} from '../embedded/stack-registry.ts';
import {
  applySchema,
  SEED_PASSWORD,
  SEED_PRESETS,
  type SeedPreset,
  type SeedSize,
  seed,
} from '../reference-backend.ts';
import type {
  BackendControl,
  Capability,
  DatabaseControl,
  NetworkControl,
  Secrets,
  Stack,
  StackComponentStatus,
  StackEndpoints,
} from '../stack.ts';
import { stackSecret } from '../stack-secret.ts';
import { TESTCONTAINERS_CAPABILITIES } from './capabilities.ts';
import { ContainerDeployment, frontStats } from './container-deployment.ts';
import { dockerEngine } from './docker-engine.ts';
import { removeLabelledResources } from './labelled-resources.ts';
import { LoopbackContainer, LoopbackPostgreSqlContainer } from './loopback-container.ts';
import { backendImage, ensureImages, type StackImages, stackImages } from './stack-images.ts';

export interface TestcontainersStackOptions {
  /** Seed size: a preset name or explicit sizes (default: the game-day preset). */
  seed?: SeedPreset | SeedSize;
  /** Backend replicas behind the front (default 2). */
  replicas?: number;
  /** Release deployed as revision 1 (default 1.4.2). */
  release?: string;
  /** The first revision's own environment (a scenario's stack settings). */
  env?: Record<string, string>;
  /** Backend environment beneath every revision (time-scaled windows). */
  backendEnv?: Record<string, string>;
  /** Images to run instead of GAMEDAY_*_IMAGE or what users pull (see stack-images.ts). */
  images?: Partial<StackImages>;
  /** The port the backend image listens on (default 3001; PORT is set to it). */
  backendPort?: number;
  onProgress?: (line: string) => void;
}

const here = (relative: string) => fileURLToPath(new URL(relative, import.meta.url));
const LOAD_BALANCER_ENTRY = here('../embedded/load-balancer-main.ts');
/** docker-compose.yml's own scripts: the roles on the primary's first start, the replica's base backup. */
const INIT_PRIMARY = here('../../../compose/postgres/init-primary.sh');
const REPLICA_ENTRY = here('../../../compose/postgres/replica.sh');

/** Ports inside the containers, as docker-compose.yml has them. */
const PORTS = { postgres: 5432, proxyApi: 8474, proxyDatabase: 5432, proxyReplica: 5433, proxyStore: 9000 };

async function firstRow<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T | undefined> {
  // A server going away under the client is an answer here, not a crash.
  const client = databaseClient({ connectionString: url, connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
    return (await client.query<T>(sql)).rows[0];
  } finally {
    await client.end().catch(() => undefined);
  }
}

const pgPassword = /(postgres(?:ql)?:\/\/[^:]+:)[^@]+@/g;

/**
 * The system under test on testcontainers, as a team's CI starts its dependencies: on a bridge network
 * of its own, a PostgreSQL primary (@testcontainers/postgresql) and its streaming replica, Toxiproxy in
 * front of both and of the attachment store, and the backend (built from fixtures/Dockerfile, or an
 * image the user names) as a Deployment of containers behind an L4 front on this machine. The images
 * are the ones docker-compose.yml pulls, overridable the same way. Every container and the network
 * carry `io.gameday.stack=<id>` and are removed by that label at `down()` (Ryuk stays off), or by the
 * next start after a killed harness. Being on a real network, a part can be cut off it: a partition.
 */
export class TestcontainersStack implements Stack {
  static readonly capabilities: ReadonlySet<Capability> = TESTCONTAINERS_CAPABILITIES;
  readonly kind = 'testcontainers' as const;
  readonly capabilities = TestcontainersStack.capabilities;
  endpoints!: StackEndpoints;
  readonly secrets: Secrets = {
    adminToken: stackSecret('ADMIN_TOKEN'),
    jwtSecret: stackSecret('JWT_SECRET'),
    userPassword: SEED_PASSWORD,
  };
  readonly database: DatabaseControl;
  readonly network: NetworkControl;
  private client!: ContainerRuntimeClient;
  private dockerNetwork!: StartedNetwork;
  private deployment!: ContainerDeployment;
  private primary!: StartedTestContainer;
  private parts = new Map<string, StartedTestContainer>();
  private front!: ManagedProcess;
  private record!: StackRecord;
  private primaryState: 'running' | 'stopped' | 'frozen' = 'running';
  private promoted = false;
  private stopping: Promise<void> | undefined;

  private constructor(
    readonly id: string,
    readonly root: string,
  ) {
    registerSecret(this.secrets.adminToken);
    registerSecret(this.secrets.jwtSecret);
    const primary = () => this.client.container.getById(this.primary.getId());
    this.database = {
      adminUrl: () =>
        this.promoted ? this.endpoints.database.replicaAdminUrl! : this.endpoints.database.primaryAdminUrl,
      stopPrimary: async (mode = 'immediate') => {
        const container = primary();
        if (mode === 'immediate' && this.primaryState === 'frozen') {
          // A crash while frozen: every process killed before the container resumes, so nothing
          // queued on the old primary runs (unpaused first, it would commit and answer it).
          await killFrozenProcesses(this.primary.getId());
          await container.kill({ signal: 'SIGKILL' }).catch(alreadyStopped);
          await container.wait();
          this.primaryState = 'stopped';
          return;
        }
        if (this.primaryState === 'frozen') await container.unpause();
        // Its stop signal is SIGINT, PostgreSQL's fast shutdown; SIGQUIT is the immediate one, a crash.
        if (mode === 'fast') await container.stop({ t: 30 }).catch(alreadyStopped);
        else {
          await container.kill({ signal: 'SIGQUIT' }).catch(alreadyStopped);
          await container.wait();
        }
        this.primaryState = 'stopped';
      },
      startPrimary: async () => {
        await primary().start();
        await waitUntil(() => firstRow(this.endpoints.database.primaryAdminUrl, 'SELECT 1 AS up'), {
          timeoutMs: 60_000,
          intervalMs: 250,
          what: 'the primary database to accept connections again',
        });
        this.primaryState = 'running';
      },
      promoteReplica: async () => {
        const row = await firstRow<{ promoted: boolean }>(
          this.endpoints.database.replicaAdminUrl!,
          'SELECT pg_promote(true, 60) AS promoted',
        );
        if (!row?.promoted) throw new Error('pg_promote() on the replica did not finish within 60 s');
        this.promoted = true;
      },
      primaryRunning: () => this.primaryState !== 'stopped',
      // The cgroup freezer: every process of the container stops at once, its sockets stay open.
      freezePrimary: async () => {
        await primary().pause();
        this.primaryState = 'frozen';
      },
      thawPrimary: async () => {
        if (this.primaryState === 'frozen') await primary().unpause();
        if (this.primaryState === 'frozen') this.primaryState = 'running';
      },
      primaryFrozen: () => this.primaryState === 'frozen',
      takeBaseBackup: () =>
        Promise.reject(new Error('the testcontainers stack has no base backups gameday can take')),
      restoreToPointInTime: () =>
        Promise.reject(new Error('the testcontainers stack has no point-in-time restore gameday can run')),
    };
    const network = () => this.client.network.getById(this.dockerNetwork.getId());
    this.network = {
      disconnect: async () => {
        await network().disconnect({ Container: this.primary.getId(), Force: true });
      },
      reconnect: async () => {
        // Under the same name, so Toxiproxy's upstream `postgres:5432` and the replica find it again.
        await network().connect({
          Container: this.primary.getId(),
          EndpointConfig: { Aliases: ['postgres'] },
        });
      },
      connected: async () => {
        const inspected = await primary().inspect();
        return Object.keys(inspected.NetworkSettings.Networks ?? {}).includes(this.dockerNetwork.getName());
      },
    };
  }

  get backend(): BackendControl {
    return this.deployment;
  }

  /** Checks the engine and the images before anything is made, then starts the stack. */
  static async up(options: TestcontainersStackOptions = {}): Promise<TestcontainersStack> {
    const progress = options.onProgress ?? (() => undefined);
    const client = await dockerEngine();
    const images = stackImages(options.images);
    await ensureImages(client, images, progress);
    for (const report of await cleanupLeftovers()) {
      progress(`removed leftovers of stack ${report.stack}: ${report.removed.join(', ') || 'nothing'}`);
    }
    const id = `gdtc-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
    const root = await createServerRoot(`gameday-${id}-`);
    const stack = new TestcontainersStack(id, root);
    stack.client = client;
    stack.record = {
      id,
      kind: 'testcontainers',
      owner: { pid: process.pid, startTime: (await processStartTime(process.pid)) ?? 0 },
      createdAt: new Date().toISOString(),
      root,
      processes: [],
      endpoints: {},
      stopsOnSigterm: false,
    };
    await stackRegistry.write(stack.record);
    try {
      await stack.start(options, images, progress);
    } catch (error) {
      await stack.down();
      throw new StackUnavailableError(
        `the testcontainers stack could not start: ${(error as Error).message.replace(pgPassword, '$1…@')}`,
        { cause: error },
      );
    }
    return stack;
  }

  private labels(part: string): Record<string, string> {
    return { [GAMEDAY_LABEL]: this.id, 'io.gameday.process': part };
  }

  private async start(
    options: TestcontainersStackOptions,
    images: StackImages,
    progress: (line: string) => void,
  ): Promise<void> {
    const size = typeof options.seed === 'object' ? options.seed : SEED_PRESETS[options.seed ?? 'gameday'];
    const superuserPassword = stackSecret('DATABASE_PASSWORD');
    const appPassword = stackSecret('APP_PASSWORD');
    const replicationPassword = randomBytes(16).toString('hex');
    for (const password of [superuserPassword, appPassword, replicationPassword]) registerSecret(password);
    const ports = {
      primary: await freePort(),
      replica: await freePort(),
      proxyApi: await freePort(),
      proxyDatabase: await freePort(),
      proxyReplica: await freePort(),
      proxyStore: await freePort(),
      front: await freePort(),
      control: await freePort(),
    };
    const adminUrl = (port: number) =>
      `postgresql://postgres:${superuserPassword}@127.0.0.1:${port}/${APP_DATABASE}`;
    const appUrl = (host: string) => `postgresql://${APP_USER}:${appPassword}@${host}/${APP_DATABASE}`;
    this.endpoints = {
      frontUrl: `http://127.0.0.1:${ports.front}`,
      proxyApiUrl: `http://127.0.0.1:${ports.proxyApi}`,
      proxies: { ...PROXY_NAMES },
      objectStoreUrl: `http://127.0.0.1:${ports.proxyStore}`,
      database: {
        primaryAdminUrl: adminUrl(ports.primary),
        replicaAdminUrl: adminUrl(ports.replica),
        appUrl: appUrl(`127.0.0.1:${ports.proxyDatabase}`),
        // As the backend reaches it, through Toxiproxy on the stack's network.
        replicaAppUrl: appUrl(`toxiproxy:${PORTS.proxyReplica}`),
        appUser: APP_USER,
        appDatabase: APP_DATABASE,
      },
    };

    this.dockerNetwork = await this.createNetwork();
    progress(
      `network ${this.dockerNetwork.getName()}; starting PostgreSQL, Toxiproxy and the attachment store`,
    );
    const database = (async () => {
      this.primary = await this.startPrimary(images.postgres, ports.primary, {
        superuserPassword,
        appPassword,
        replicationPassword,
      });
      progress(`database: seeding ${size.messages.toLocaleString('en')} messages`);
      const client = new pg.Client({ connectionString: appUrl(`127.0.0.1:${ports.primary}`) });
      await client.connect();
      try {
        await client.query('BEGIN');
        await applySchema(client);
        await seed(client, size);
        await client.query('COMMIT');
      } finally {
        await client.end();
      }
      progress('database: creating the streaming replica (pg_basebackup)');
      await this.startReplica(images.postgres, ports.replica, replicationPassword);
    })();
    const proxy = this.startToxiproxy(images.toxiproxy, ports);
    const reference = backendImage({ ...images, backend: undefined }, progress);
    const store = reference.then((image) => this.startObjectStore(image));
    const front = this.startFront(ports.front, ports.control);
    await Promise.all([database, proxy, store, front]);

    const replicas = options.replicas ?? 2;
    const image = images.backend ?? (await reference);
    progress(`starting ${replicas} backend replica(s) of ${image}`);
    const control = `http://127.0.0.1:${ports.control}`;
    this.deployment = new ContainerDeployment({
      image,
      network: this.dockerNetwork,
      stackId: this.id,
      containerPort: options.backendPort ?? 3001,
      baseEnv: {
        DATABASE_URL: appUrl(`toxiproxy:${PORTS.proxyDatabase}`),
        OBJECT_STORE_URL: `http://toxiproxy:${PORTS.proxyStore}`,
        ADMIN_TOKEN: this.secrets.adminToken,
        JWT_SECRET: this.secrets.jwtSecret,
        SOCKET_IO_ADAPTER: 'postgres',
        LOG_LEVEL: 'info',
        ...options.backendEnv,
      },
      setTargets: (targets) =>
        httpRequest(`${control}/backends`, { method: 'PUT', body: { backends: targets } }).then(
          () => undefined,
        ),
      stats: () => frontStats(control),
    });
    await this.deployment.start({ release: options.release ?? '1.4.2', env: options.env ?? {} }, replicas);
    this.record.endpoints = {
      front: this.endpoints.frontUrl,
      'fault proxy (Toxiproxy API)': this.endpoints.proxyApiUrl!,
      'postgres primary': `127.0.0.1:${ports.primary}`,
      'postgres replica': `127.0.0.1:${ports.replica}`,
      network: this.dockerNetwork.getName(),
    };
    await stackRegistry.write(this.record);
  }

  /** A bridge network carrying gameday's label, so it goes with the stack's containers. */
  private async createNetwork(): Promise<StartedNetwork> {
    const name = `${this.id}-net`;
    const created = await this.client.network.create({
      Name: name,
      CheckDuplicate: true,
      Driver: 'bridge',
      Labels: { [GAMEDAY_LABEL]: this.id },
    });
    return new Network(this.client, name, created);
  }

  private async startPrimary(
    image: string,
    port: number,
    passwords: { superuserPassword: string; appPassword: string; replicationPassword: string },
  ): Promise<StartedTestContainer> {
    const container = await new LoopbackPostgreSqlContainer(image)
      .withName(`${this.id}-postgres`)
      .withNetwork(this.dockerNetwork)
      .withNetworkAliases('postgres')
      .withLabels(this.labels('postgres'))
      .withDatabase(APP_DATABASE)
      .withUsername('postgres')
      .withPassword(passwords.superuserPassword)
      .withEnvironment({
        CHAT_DB_PASSWORD: passwords.appPassword,
        REPLICATION_PASSWORD: passwords.replicationPassword,
      })
      .withCopyFilesToContainer([
        { source: INIT_PRIMARY, target: '/docker-entrypoint-initdb.d/10-roles.sh', mode: 0o755 },
      ])
      .withExposedPorts({ container: PORTS.postgres, host: port })
      .withCommand(['postgres', '-c', 'max_connections=200', '-c', 'fsync=off', '-c', 'full_page_writes=off'])
      // Over TCP, so the entrypoint's socket-only first-start server does not count as ready; and
      // without the password, which a health check's command line would show to every `ps` here.
      .withHealthCheck(pgReady())
      .start();
    this.parts.set('postgres-primary', container);
    return container;
  }

  private async startReplica(image: string, port: number, replicationPassword: string): Promise<void> {
    const container = await new LoopbackContainer(image)
      .withName(`${this.id}-postgres-replica`)
      .withNetwork(this.dockerNetwork)
      .withNetworkAliases('postgres-replica')
      .withLabels(this.labels('postgres-replica'))
      .withEnvironment({ PRIMARY_HOST: 'postgres', REPLICATION_PASSWORD: replicationPassword })
      .withCopyFilesToContainer([{ source: REPLICA_ENTRY, target: '/compose/replica.sh', mode: 0o755 }])
      .withEntrypoint(['/compose/replica.sh'])
      .withCommand(['-c', 'max_connections=200', '-c', 'fsync=off'])
      .withExposedPorts({ container: PORTS.postgres, host: port })
      .withHealthCheck(pgReady())
      .withWaitStrategy(Wait.forHealthCheck())
      .withStartupTimeout(120_000)
      .start();
    this.parts.set('postgres-replica', container);
  }

  private async startToxiproxy(image: string, ports: Record<string, number>): Promise<void> {
    const container = await new LoopbackContainer(image)
      .withName(`${this.id}-toxiproxy`)
      .withNetwork(this.dockerNetwork)
      .withNetworkAliases('toxiproxy')
      .withLabels(this.labels('toxiproxy'))
      .withCommand(['-host=0.0.0.0'])
      .withExposedPorts(
        { container: PORTS.proxyApi, host: ports.proxyApi! },
        { container: PORTS.proxyDatabase, host: ports.proxyDatabase! },
        { container: PORTS.proxyReplica, host: ports.proxyReplica! },
        { container: PORTS.proxyStore, host: ports.proxyStore! },
      )
      .withWaitStrategy(Wait.forHttp('/version', PORTS.proxyApi))
      .start();
    this.parts.set('toxiproxy', container);
    // Upstreams by name on the stack's network, resolved at each connection (as docker-compose.yml's).
    const proxies = [
      { name: PROXY_NAMES.database, listen: `0.0.0.0:${PORTS.proxyDatabase}`, upstream: 'postgres:5432' },
      {
        name: PROXY_NAMES.replica,
        listen: `0.0.0.0:${PORTS.proxyReplica}`,
        upstream: 'postgres-replica:5432',
      },
      { name: PROXY_NAMES.objectStore, listen: `0.0.0.0:${PORTS.proxyStore}`, upstream: 'object-store:9000' },
    ].map((proxy) => ({ ...proxy, enabled: true }));
    const populated = await httpRequest(`${this.endpoints.proxyApiUrl}/populate`, { body: proxies });
    if (populated.status !== 201)
      throw new Error(
        `Toxiproxy's /populate answered ${populated.status}: ${JSON.stringify(populated.body)}`,
      );
  }

  private async startObjectStore(image: string): Promise<void> {
    const container = await new LoopbackContainer(image)
      .withName(`${this.id}-object-store`)
      .withNetwork(this.dockerNetwork)
      .withNetworkAliases('object-store')
      .withLabels(this.labels('object-store'))
      .withCommand(['node', '--import', 'tsx', 'object-store/main.ts'])
      .withEnvironment({ PORT: '9000' })
      .withExposedPorts(9000)
      .withWaitStrategy(Wait.forHttp('/health', 9000))
      .start();
    this.parts.set('object-store', container);
  }

  /** The L4 front on this machine (as the embedded stack's), spreading connections over the replicas. */
  private async startFront(port: number, controlPort: number): Promise<void> {
    const logFile = path.join(this.root, 'front.log');
    this.front = new ManagedProcess({
      name: 'front',
      entry: LOAD_BALANCER_ENTRY,
      env: { GAMEDAY_STACK_ID: this.id, PORT: String(port), CONTROL_PORT: String(controlPort) },
      logFile,
      ready: async () =>
        (
          await httpRequest(`http://127.0.0.1:${controlPort}/stats`, { timeoutMs: 1_000 }).catch(
            () => undefined,
          )
        )?.status === 200,
      onSpawn: (pid) => void this.track('front', pid).catch(() => undefined),
    });
    await this.front.start();
  }

  private async track(name: string, pid: number): Promise<void> {
    const startTime = await processStartTime(pid);
    if (startTime === undefined) return;
    this.record.processes = [
      ...this.record.processes.filter((p) => p.name !== name),
      { name, pid, startTime, kind: 'node' },
    ];
    await stackRegistry.write(this.record);
  }

  /** A scenario's stack settings on this stack: the backend's template and its number of replicas. */
  async configure(settings: {
    release?: string;
    env: Record<string, string>;
    replicas?: number;
  }): Promise<void> {
    await this.deployment.configure(settings.release ?? '1.4.2', settings.env);
    if (settings.replicas !== undefined && settings.replicas !== this.deployment.replicas().length)
      await this.deployment.scale(settings.replicas);
  }

  async status(): Promise<StackComponentStatus[]> {
    const parts = await Promise.all(
      [...this.parts].map(async ([name, container]): Promise<StackComponentStatus> => {
        const state = await this.client.container
          .inspect(this.client.container.getById(container.getId()))
          .then((inspected) => inspected.State.Status)
          .catch(() => 'removed');
        return { name, state: state === 'running' ? 'running' : 'stopped', detail: state };
      }),
    );
    const replicas = this.deployment?.replicas() ?? [];
    return [
      ...parts,
      { name: 'front', state: this.front?.running ? 'running' : 'stopped' },
      {
        name: 'chat-backend',
        state: replicas.length > 0 ? 'running' : 'stopped',
        detail: `${replicas.length} replica(s), release ${replicas[0]?.release ?? '–'}`,
      },
    ];
  }

  /** Removes everything the stack made, by its label (containers, their volumes, the network). */
  down(): Promise<void> {
    this.stopping ??= (async () => {
      await this.front?.stop(5_000);
      if (this.client) await removeLabelledResources(this.client, this.id);
      await fs.rm(this.root, { recursive: true, force: true });
      await stackRegistry.remove(this.id);
    })();
    return this.stopping;
  }
}

/** testcontainers does not export its HealthCheck type. */
type HealthCheck = Parameters<GenericContainer['withHealthCheck']>[0];

function pgReady(): HealthCheck {
  return {
    test: ['CMD-SHELL', 'pg_isready --host 127.0.0.1 --username postgres --quiet'],
    interval: 250,
    timeout: 1_000,
    retries: 1_000,
  };
}

/** Docker answers 304 to a stop of a stopped container: already what was asked. */
function alreadyStopped(error: { statusCode?: number }): void {
  if (error.statusCode !== 304 && error.statusCode !== 409) throw error;
}
