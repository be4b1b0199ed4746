import type { Readable } from 'node:stream';
import { type StartedNetwork, type StartedTestContainer, Wait } from 'testcontainers';
import { freePort } from '../../core/free-port.ts';
import { httpRequest } from '../../core/http-client.ts';
import { GAMEDAY_LABEL } from '../containers/docker-cli.ts';
import {
  type PodTemplate,
  type Revision,
  RolloutError,
  recordRevision,
  rollbackTemplate,
} from '../embedded/backend-deployment.ts';
import type { BackendTarget } from '../embedded/load-balancer.ts';
import { withEnvChanges } from '../env-changes.ts';
import type { BackendControl, ReplicaInfo, RevisionInfo } from '../stack.ts';
import { LoopbackContainer } from './loopback-container.ts';

const LOG_LINES_KEPT = 2_000;

export interface ContainerDeploymentOptions {
  image: string;
  network: StartedNetwork;
  /** Every container's label value and name prefix. */
  stackId: string;
  /** Environment every replica gets beneath the template's own (database, store, secrets, time scale). */
  baseEnv: Record<string, string>;
  /** The port the backend listens on inside its container (PORT is set to it). */
  containerPort: number;
  /** Tells the front which replicas take traffic. */
  setTargets: (targets: BackendTarget[]) => Promise<void>;
  /** The front's connection counts per replica. */
  stats: () => Promise<{ name: string; active: number; total: number }[]>;
  readyTimeoutMs?: number;
}

interface Replica {
  name: string;
  hostPort: number;
  revision: number;
  container: StartedTestContainer;
  lines: string[];
}

/**
 * The backend as a Deployment of containers on the stack's network: a pod template with a revision
 * history, N replicas behind the front, rolling updates (a new container ready before an old one goes),
 * rollback, scaling. Each replica's port is published on 127.0.0.1, where the front and the scraper
 * reach it.
 */
export class ContainerDeployment implements BackendControl {
  private readonly revisions: Revision[] = [];
  private readonly running: Replica[] = [];
  private serial = 0;
  private closed = false;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: ContainerDeploymentOptions) {}

  /** Revision 1 with `replicas` replicas. */
  start(template: PodTemplate, replicas: number): Promise<void> {
    return this.serialise(async () => {
      const revision = recordRevision(this.revisions, template, 'initial deploy');
      await Promise.all(Array.from({ length: replicas }, () => this.startReplica(revision)));
      await this.publish();
    });
  }

  private get current(): Revision {
    const revision = this.revisions.at(-1);
    if (!revision) throw new Error('the deployment has not been started');
    return revision;
  }

  /** Makes the template exactly this, rolling out only when it differs: a scenario's stack settings. */
  async configure(release: string, env: Record<string, string>): Promise<void> {
    const same =
      this.current.release === release &&
      JSON.stringify(sorted(this.current.env)) === JSON.stringify(sorted(env));
    if (!same) await this.rollout({ release, env }, 'gameday: the scenario’s stack settings');
  }

  replicas(): ReplicaInfo[] {
    return this.running.map((replica) => ({
      name: replica.name,
      url: `http://127.0.0.1:${replica.hostPort}`,
      ready: true,
      release: this.revisions.find((r) => r.revision === replica.revision)?.release ?? '',
      revision: replica.revision,
      restarts: 0,
    }));
  }

  history(): RevisionInfo[] {
    return this.revisions.map((revision) => ({ ...revision, env: { ...revision.env } }));
  }

  deploy(release: string, changeCause = `deploy release ${release}`): Promise<RevisionInfo> {
    return this.rollout({ release, env: { ...this.current.env } }, changeCause);
  }

  undo(toRevision?: number): Promise<RevisionInfo> {
    let rollback: ReturnType<typeof rollbackTemplate>;
    try {
      rollback = rollbackTemplate(this.revisions, toRevision);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.rollout(rollback.template, rollback.changeCause);
  }

  restart(): Promise<RevisionInfo> {
    return this.rollout({ release: this.current.release, env: { ...this.current.env } }, 'rollout restart');
  }

  setEnv(changes: Record<string, string | null>): Promise<RevisionInfo> {
    const env = withEnvChanges(this.current.env, changes);
    return this.rollout({ release: this.current.release, env }, `set env ${Object.keys(changes).join(', ')}`);
  }

  scale(replicas: number): Promise<void> {
    if (!Number.isInteger(replicas) || replicas < 0)
      return Promise.reject(new RangeError('replicas must be ≥ 0'));
    return this.serialise(async () => {
      while (this.running.length < replicas) await this.startReplica(this.current);
      const surplus = this.running.splice(replicas);
      await this.publish();
      await Promise.all(surplus.map((replica) => this.stopReplica(replica)));
    });
  }

  logs(options: { replica?: string; tail?: number } = {}): string[] {
    const tail = options.tail ?? 100;
    const chosen = options.replica
      ? this.running.filter((replica) => replica.name === options.replica)
      : this.running;
    return chosen.flatMap((replica) => replica.lines.slice(-tail).map((line) => `[${replica.name}] ${line}`));
  }

  killReplica(): void {
    throw new Error('the testcontainers stack does not kill replicas (no restart policy to bring them back)');
  }

  connectionSpread(): Promise<{ name: string; active: number; total: number }[]> {
    return this.options.stats();
  }

  /** Stops every replica (their containers are removed with the stack's label anyway). */
  async stop(): Promise<void> {
    this.closed = true;
    await this.queue.catch(() => undefined);
    const all = this.running.splice(0);
    await this.options.setTargets([]).catch(() => undefined);
    await Promise.all(all.map((replica) => this.stopReplica(replica).catch(() => undefined)));
  }

  /**
   * Replaces the replicas one at a time: the new one answers its health check before an old one leaves
   * the front, and the next starts while that one stops (as in the embedded stack's rollout); returns
   * once every old one has stopped.
   */
  private rollout(template: PodTemplate, changeCause: string): Promise<RevisionInfo> {
    return this.serialise(async () => {
      const revision = recordRevision(this.revisions, template, changeCause);
      const stopping: Promise<void>[] = [];
      try {
        for (const previous of [...this.running]) {
          await this.startReplica(revision).catch((error: Error) => {
            throw new RolloutError(`rollout of revision ${revision.revision} failed: ${error.message}`, {
              cause: error,
            });
          });
          this.running.splice(this.running.indexOf(previous), 1);
          await this.publish();
          stopping.push(this.stopReplica(previous));
        }
        await this.publish();
        await Promise.all(stopping);
        return { ...revision, env: { ...revision.env } };
      } finally {
        await Promise.allSettled(stopping);
      }
    });
  }

  private async startReplica(revision: Revision): Promise<Replica> {
    if (this.closed) throw new Error('the deployment is stopped');
    this.serial += 1;
    const name = `chat-backend-${this.serial}`;
    const { containerPort, stackId } = this.options;
    const hostPort = await freePort();
    const lines: string[] = [];
    const container = await new LoopbackContainer(this.options.image)
      .withName(`${stackId}-${name}`)
      .withNetwork(this.options.network)
      .withNetworkAliases(name)
      .withLabels({ [GAMEDAY_LABEL]: stackId, 'io.gameday.process': name })
      .withEnvironment({
        ...this.options.baseEnv,
        ...revision.env,
        APP_RELEASE: revision.release,
        HOST: '0.0.0.0',
        PORT: String(containerPort),
        INSTANCE_NAME: name,
      })
      .withExposedPorts({ container: containerPort, host: hostPort })
      .withWaitStrategy(Wait.forHttp('/api/v1/health', containerPort).forStatusCode(200))
      .withStartupTimeout(this.options.readyTimeoutMs ?? 60_000)
      .withLogConsumer((stream) => keepLines(stream, lines))
      .start();
    const replica: Replica = { name, hostPort, revision: revision.revision, container, lines };
    this.running.push(replica);
    return replica;
  }

  /** SIGTERM and up to 10 s to finish what it serves (a pod's grace period), then the container goes. */
  private async stopReplica(replica: Replica): Promise<void> {
    await replica.container.stop({ timeout: 10_000, remove: true, removeVolumes: true });
  }

  private publish(): Promise<void> {
    return this.options.setTargets(
      this.running.map((replica) => ({ name: replica.name, port: replica.hostPort })),
    );
  }

  private serialise<T>(work: () => Promise<T>): Promise<T> {
    const result = this.queue.then(work, work);
    this.queue = result.catch(() => undefined);
    return result;
  }
}

function keepLines(stream: Readable, lines: string[]): void {
  let partial = '';
  stream.on('data', (chunk: Buffer | string) => {
    const parts = (partial + chunk.toString()).split('\n');
    partial = parts.pop() ?? '';
    lines.push(...parts);
    if (lines.length > LOG_LINES_KEPT) lines.splice(0, lines.length - LOG_LINES_KEPT);
  });
  stream.on('error', () => undefined);
}

function sorted(env: Record<string, string>): [string, string][] {
  return Object.entries(env).sort(([a], [b]) => a.localeCompare(b));
}

/** The front's connection counts, read from its control API. */
export async function frontStats(
  controlUrl: string,
): Promise<{ name: string; active: number; total: number }[]> {
  const response = await httpRequest<{ backends: { name: string; active: number; total: number }[] }>(
    `${controlUrl}/stats`,
  );
  return response.body.backends.map(({ name, active, total }) => ({ name, active, total }));
}
