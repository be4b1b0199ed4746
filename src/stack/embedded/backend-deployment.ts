import path from 'node:path';
import { freePort } from '../../core/free-port.ts';
import { httpRequest } from '../../core/http-client.ts';
import { sleep } from '../../core/wait.ts';
import { withEnvChanges } from '../env-changes.ts';
import type { Launcher } from '../launcher.ts';
import { BACKEND_ENTRY } from '../reference-backend.ts';
import { bundledEntry } from './bundled-entry.ts';
import type { BackendTarget } from './load-balancer.ts';
import { type ExitInfo, ManagedProcess } from './managed-process.ts';

/** What each replica runs: a release and its environment (the pod template). */
export interface PodTemplate {
  release: string;
  env: Record<string, string>;
}

export interface Revision extends PodTemplate {
  revision: number;
  changeCause: string;
  createdAt: string;
}

/**
 * What `kubectl rollout undo [--to-revision N]` rolls back to: the revision before the current one, or
 * revision N; the template to roll out and the change cause `rollout history` shows.
 */
export function rollbackTemplate(
  history: readonly Revision[],
  toRevision: number | undefined,
): { template: PodTemplate; changeCause: string } {
  const target =
    toRevision === undefined ? history.at(-2) : history.find((revision) => revision.revision === toRevision);
  if (!target)
    throw new RolloutError(
      toRevision === undefined ? 'no previous revision to roll back to' : `revision ${toRevision} not found`,
    );
  return {
    template: { release: target.release, env: { ...target.env } },
    changeCause: `rollback to revision ${target.revision} (release ${target.release})`,
  };
}

/** Appends the next revision of `template` to a Deployment's history, as `kubectl rollout` records it. */
export function recordRevision(history: Revision[], template: PodTemplate, changeCause: string): Revision {
  const revision: Revision = {
    revision: (history.at(-1)?.revision ?? 0) + 1,
    release: template.release,
    env: { ...template.env },
    changeCause,
    createdAt: new Date().toISOString(),
  };
  history.push(revision);
  return revision;
}

export interface ReplicaStatus {
  name: string;
  pid: number | undefined;
  port: number;
  revision: number;
  release: string;
  ready: boolean;
  restarts: number;
  startedAt: string;
}

export interface DeploymentStatus {
  revision: number;
  release: string;
  desiredReplicas: number;
  readyReplicas: number;
  replicas: ReplicaStatus[];
  /** True while a rollout is replacing replicas. */
  progressing: boolean;
}

export class RolloutError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'RolloutError';
  }
}

export interface BackendDeploymentOptions {
  /** Environment every replica gets underneath the template's own (database, store, secrets). */
  baseEnv: Record<string, string>;
  /** Tells the front which replicas take traffic. */
  setTargets: (targets: BackendTarget[]) => Promise<void>;
  logDir: string;
  entry?: string;
  readyTimeoutMs?: number;
  /** Called for every replica process started, so leftovers can be found after a crash. */
  onProcess?: (pid: number, name: string) => void;
  /** Where the replicas run (default: here, as child processes). */
  launcher?: Launcher;
  /** Each replica's memory limit (see LaunchOptions.memoryLimitMb). */
  memoryLimitMb?: number;
}

interface Replica {
  name: string;
  port: number;
  revision: number;
  process: ManagedProcess;
  restarts: number;
  startedAt: Date;
  ready: boolean;
}

/**
 * The backend as a Kubernetes Deployment would run it: a pod template with a revision history,
 * N replicas behind the front, rolling updates (one new replica ready before an old one goes),
 * rollback to an earlier revision, scaling, and replicas restarted when they crash.
 */
export class BackendDeployment {
  private readonly history: Revision[] = [];
  private readonly replicas: Replica[] = [];
  private desired = 0;
  private serial = 0;
  private progressing = false;
  private closed = false;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: BackendDeploymentOptions) {}

  /** Creates revision 1 with `replicas` replicas. */
  start(template: PodTemplate, replicas: number, changeCause = 'initial deploy'): Promise<void> {
    return this.serialise(async () => {
      const revision = recordRevision(this.history, template, changeCause);
      this.desired = replicas;
      await Promise.all(Array.from({ length: replicas }, () => this.startReplica(revision)));
      await this.publishTargets();
    });
  }

  get current(): Revision {
    const revision = this.history.at(-1);
    if (!revision) throw new Error('the deployment has not been started');
    return revision;
  }

  /** `kubectl rollout history`. */
  rolloutHistory(): Revision[] {
    return this.history.map((revision) => ({ ...revision, env: { ...revision.env } }));
  }

  /** Deploys another release (a new revision) with a rolling update. */
  deploy(release: string, changeCause = `deploy release ${release}`): Promise<Revision> {
    return this.rollout({ ...this.current, release, env: { ...this.current.env } }, changeCause);
  }

  /**
   * `kubectl set env`: changes variables (null removes one) and rolls every replica. APP_RELEASE is
   * the release, as the backend reads it (the same image on Kubernetes takes its release from it);
   * removing it goes back to the release first deployed.
   */
  setEnv(changes: Record<string, string | null>, changeCause?: string): Promise<Revision> {
    const { APP_RELEASE: release, ...others } = changes;
    const env = withEnvChanges(this.current.env, others);
    const cause = changeCause ?? `set env ${Object.keys(changes).join(', ')}`;
    const next = release === undefined ? this.current.release : (release ?? this.history[0]!.release);
    return this.rollout({ release: next, env }, cause);
  }

  /** `kubectl rollout undo [--to-revision]`: rolls out an earlier template as a new revision. */
  undo(toRevision?: number): Promise<Revision> {
    let rollback: ReturnType<typeof rollbackTemplate>;
    try {
      rollback = rollbackTemplate(this.history, toRevision);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.rollout(rollback.template, rollback.changeCause);
  }

  /** `kubectl rollout restart`: the same template, every replica replaced. */
  restart(): Promise<Revision> {
    return this.rollout({ release: this.current.release, env: { ...this.current.env } }, 'rollout restart');
  }

  /** `kubectl scale --replicas=N`: no new revision; replicas added or removed. */
  scale(replicas: number): Promise<void> {
    if (!Number.isInteger(replicas) || replicas < 0)
      return Promise.reject(new RangeError('replicas must be ≥ 0'));
    return this.serialise(async () => {
      this.desired = replicas;
      const revision = this.current;
      while (this.replicas.length < replicas) await this.startReplica(revision);
      const surplus = this.replicas.splice(replicas);
      await this.publishTargets();
      await Promise.all(surplus.map((replica) => replica.process.stop()));
    });
  }

  status(): DeploymentStatus {
    const current = this.history.at(-1);
    return {
      revision: current?.revision ?? 0,
      release: current?.release ?? '',
      desiredReplicas: this.desired,
      readyReplicas: this.replicas.filter((r) => r.ready && r.process.running).length,
      progressing: this.progressing,
      replicas: this.replicas.map((replica) => ({
        name: replica.name,
        pid: replica.process.pid,
        port: replica.port,
        revision: replica.revision,
        release: this.history.find((r) => r.revision === replica.revision)?.release ?? '',
        ready: replica.ready && replica.process.running,
        restarts: replica.restarts,
        startedAt: replica.startedAt.toISOString(),
      })),
    };
  }

  /** The replicas' admin/metrics URLs (each replica is scraped on its own, as Prometheus would). */
  replicaUrls(): { name: string; url: string }[] {
    return this.replicas.map((replica) => ({ name: replica.name, url: `http://127.0.0.1:${replica.port}` }));
  }

  /** `kubectl logs`: the last lines of one replica, or of all of them prefixed by name. */
  logs(options: { replica?: string; tail?: number } = {}): string[] {
    const tail = options.tail ?? 100;
    const chosen = options.replica ? this.replicas.filter((r) => r.name === options.replica) : this.replicas;
    return chosen.flatMap((replica) => replica.process.logs(tail).map((line) => `[${replica.name}] ${line}`));
  }

  /** Kills one replica without grace (a crash or an OOM kill); the deployment restarts it. */
  killReplica(name: string, signal: NodeJS.Signals = 'SIGKILL'): void {
    const replica = this.replicas.find((r) => r.name === name);
    if (!replica) throw new Error(`no replica named ${name}`);
    replica.process.kill(signal);
  }

  async stop(): Promise<void> {
    this.closed = true;
    await this.queue.catch(() => undefined);
    const all = this.replicas.splice(0);
    await this.options.setTargets([]).catch(() => undefined);
    await Promise.all(all.map((replica) => replica.process.stop()));
  }

  /**
   * Replaces replicas one at a time: the new one must be ready before an old one is taken out of the
   * front. As in a Deployment, the next new replica starts while that one is still stopping (its
   * shutdown grace: on a frozen database, all of it); the rollout returns once every old replica has
   * stopped, so nothing of the previous revision is still writing when the next step begins.
   */
  private rollout(template: PodTemplate, changeCause: string): Promise<Revision> {
    return this.serialise(async () => {
      const revision = recordRevision(this.history, template, changeCause);
      this.progressing = true;
      const stopping: Promise<unknown>[] = [];
      try {
        const old = [...this.replicas];
        for (const previous of old) {
          await this.startReplica(revision).catch((error: Error) => {
            throw new RolloutError(`rollout of revision ${revision.revision} failed: ${error.message}`, {
              cause: error,
            });
          });
          this.replicas.splice(this.replicas.indexOf(previous), 1);
          await this.publishTargets();
          stopping.push(previous.process.stop());
        }
        if (old.length === 0) await this.publishTargets();
        await Promise.all(stopping);
        return revision;
      } finally {
        await Promise.allSettled(stopping);
        this.progressing = false;
      }
    });
  }

  private async startReplica(revision: Revision): Promise<Replica> {
    this.serial += 1;
    const name = `chat-backend-${this.serial}`;
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const process = new ManagedProcess({
      name,
      entry: this.options.entry ?? (await bundledEntry(BACKEND_ENTRY)),
      env: {
        ...this.options.baseEnv,
        ...revision.env,
        APP_RELEASE: revision.release,
        PORT: String(port),
        INSTANCE_NAME: name,
      },
      logFile: path.join(this.options.logDir, `${name}.log`),
      ready: async () =>
        (await httpRequest(`${url}/api/v1/health`, { timeoutMs: 1_000 }).catch(() => undefined))?.status ===
        200,
      readyTimeoutMs: this.options.readyTimeoutMs ?? 30_000,
      onSpawn: (pid) => this.options.onProcess?.(pid, name),
      launcher: this.options.launcher,
      memoryLimitMb: this.options.memoryLimitMb,
    });
    const replica: Replica = {
      name,
      port,
      revision: revision.revision,
      process,
      restarts: 0,
      startedAt: new Date(),
      ready: false,
    };
    this.replicas.push(replica);
    try {
      await process.start();
    } catch (error) {
      this.replicas.splice(this.replicas.indexOf(replica), 1);
      throw error;
    }
    replica.ready = true;
    process.onUnexpectedExit = (info) => void this.restartCrashed(replica, info);
    return replica;
  }

  /** restartPolicy: Always — a crashed replica is started again in place, with a short back-off. */
  private async restartCrashed(replica: Replica, info: ExitInfo): Promise<void> {
    replica.ready = false;
    if (this.closed || !this.replicas.includes(replica)) return;
    await this.publishTargets();
    await sleep(Math.min(5_000, 200 * 2 ** replica.restarts));
    if (this.closed || !this.replicas.includes(replica)) return;
    replica.restarts += 1;
    const restartedProcess = new ManagedProcess({ ...replica.process.options });
    replica.process = restartedProcess;
    replica.startedAt = new Date();
    try {
      await restartedProcess.start();
      replica.ready = true;
      restartedProcess.onUnexpectedExit = (next) => void this.restartCrashed(replica, next);
      await this.publishTargets();
    } catch {
      void this.restartCrashed(replica, info);
    }
  }

  private async publishTargets(): Promise<void> {
    await this.options.setTargets(
      this.replicas.filter((r) => r.ready && r.process.running).map((r) => ({ name: r.name, port: r.port })),
    );
  }

  private serialise<T>(work: () => Promise<T>): Promise<T> {
    const result = this.queue.then(work, work);
    this.queue = result.catch(() => undefined);
    return result;
  }
}
