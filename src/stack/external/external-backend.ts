import fs from 'node:fs/promises';
import path from 'node:path';
import { httpRequest } from '../../core/http-client.ts';
import { waitUntil } from '../../core/wait.ts';
import { withEnvChanges } from '../env-changes.ts';
import type { BackendControl, ReplicaInfo, RevisionInfo } from '../stack.ts';
import type { ExternalConfig } from './external-config.ts';
import type { StackCommands } from './stack-commands.ts';

const LOG_LINES_KEPT = 10_000;

interface Health {
  status: string;
  release: string;
}

/**
 * The backend of a stack someone else runs, driven the way kubectl drives a Deployment: gameday keeps
 * the revision history (revision 1 is the deployment as found), writes each revision's release and
 * environment to a file and runs `commands.rollout` with it; a rollout is done when every replica
 * answers its health check with the new release.
 */
export class ExternalBackend implements BackendControl {
  private readonly revisions: RevisionInfo[] = [];
  private readonly ready = new Map<string, boolean>();
  private readonly logLines: string[] = [];
  private follower: { stop: () => void } | undefined;

  constructor(
    private readonly config: ExternalConfig,
    private readonly commands: StackCommands,
    private readonly stateDir: string,
  ) {}

  /** Reads the release the replicas run now (revision 1) and starts following the logs. */
  async attach(): Promise<void> {
    const first = this.config.replicas[0]!;
    const health = await waitUntil(() => this.health(first.url), {
      timeoutMs: this.config.backend.readyTimeoutSeconds * 1000,
      intervalMs: 250,
      what: `${first.name} (${first.url}) to answer its health check`,
    });
    this.revisions.length = 0;
    this.revisions.push({
      revision: 1,
      release: health.release,
      env: {},
      changeCause: 'as found',
      createdAt: new Date().toISOString(),
    });
    await this.waitReady(health.release);
    if (!this.follower && this.commands.has('logs')) {
      this.follower = this.commands.follow('logs', (line) => {
        this.logLines.push(line);
        if (this.logLines.length > LOG_LINES_KEPT)
          this.logLines.splice(0, this.logLines.length - LOG_LINES_KEPT);
      });
    }
  }

  private async health(url: string): Promise<Health> {
    const response = await httpRequest<Health>(`${url}/api/v1/health`, { timeoutMs: 3_000 });
    if (response.status !== 200) throw new Error(`${url}/api/v1/health answered ${response.status}`);
    return response.body;
  }

  private async waitReady(release: string): Promise<void> {
    await Promise.all(
      this.config.replicas.map(async (replica) => {
        this.ready.set(replica.name, false);
        await waitUntil(async () => (await this.health(replica.url)).release === release, {
          timeoutMs: this.config.backend.readyTimeoutSeconds * 1000,
          intervalMs: 250,
          what: `${replica.name} (${replica.url}) to answer its health check with release ${release}`,
        });
        this.ready.set(replica.name, true);
      }),
    );
  }

  private get current(): RevisionInfo {
    const revision = this.revisions.at(-1);
    if (!revision) throw new Error('the external backend is not attached');
    return revision;
  }

  /** Rolls out a template as a new revision (or the deployment as found, when it is that). */
  private async rollout(
    release: string,
    env: Record<string, string>,
    changeCause: string,
  ): Promise<RevisionInfo> {
    const found = this.revisions[0]!;
    const asFound = release === found.release && Object.keys(env).length === 0;
    const revision: RevisionInfo = {
      revision: this.current.revision + 1,
      release,
      env,
      changeCause,
      createdAt: new Date().toISOString(),
    };
    let envFile = '';
    if (!asFound) {
      envFile = path.join(this.stateDir, `backend-revision-${revision.revision}.env`);
      const lines = Object.entries({ APP_RELEASE: release, ...env }).map(([name, value]) => {
        if (/[\n\r]/.test(value)) throw new Error(`${name}: a value with a line break cannot be rolled out`);
        return `${name}=${value}`;
      });
      // Mode 600: the environment may hold credentials (DATABASE_URL).
      await fs.writeFile(envFile, `${lines.join('\n')}\n`, { mode: 0o600 });
    }
    // What the running revision sets that this one does not: `KEY-` words, as `kubectl set env` takes them.
    const before = { APP_RELEASE: this.current.release, ...this.current.env };
    const after = asFound ? {} : { APP_RELEASE: release, ...env };
    const unset = Object.keys(before)
      .filter((name) => !Object.hasOwn(after, name) && !(name === 'APP_RELEASE' && this.current === found))
      .map((name) => `${name}-`)
      .join(' ');
    await this.commands.run('rollout', {
      GAMEDAY_BACKEND_ENV_FILE: envFile,
      GAMEDAY_BACKEND_ENV_UNSET: unset,
      GAMEDAY_RELEASE: release,
      GAMEDAY_REVISION: String(revision.revision),
    });
    this.revisions.push(revision);
    await this.waitReady(release);
    // Dated when it is in place: a slow rollout is real work the time scale does not compress, and
    // "deployed within 30 minutes" must not read a fresh deploy as old because its rollout took a while.
    revision.createdAt = new Date().toISOString();
    return { ...revision, env: { ...env } };
  }

  /** Makes the template exactly this (no rollout when it already is): a scenario's stack settings. */
  async configure(release: string | undefined, env: Record<string, string>): Promise<void> {
    const wanted = release ?? this.revisions[0]!.release;
    const same =
      this.current.release === wanted &&
      JSON.stringify(sorted(this.current.env)) === JSON.stringify(sorted(env));
    if (!same) await this.rollout(wanted, env, 'gameday: the scenario’s stack settings');
  }

  /** Back to the deployment as found; stops following the logs. */
  async detach(): Promise<void> {
    this.follower?.stop();
    this.follower = undefined;
    if (this.revisions.length > 1) await this.configure(undefined, {});
  }

  replicas(): ReplicaInfo[] {
    return this.config.replicas.map((replica) => ({
      name: replica.name,
      url: replica.url,
      ready: this.ready.get(replica.name) ?? false,
      release: this.current.release,
      revision: this.current.revision,
      restarts: 0,
    }));
  }

  history(): RevisionInfo[] {
    return this.revisions.map((revision) => ({ ...revision, env: { ...revision.env } }));
  }

  deploy(release: string, changeCause = `deploy release ${release}`): Promise<RevisionInfo> {
    return this.rollout(release, { ...this.current.env }, changeCause);
  }

  undo(toRevision?: number): Promise<RevisionInfo> {
    const target =
      toRevision === undefined
        ? this.revisions.at(-2)
        : this.revisions.find((r) => r.revision === toRevision);
    if (!target) {
      return Promise.reject(
        new Error(toRevision === undefined ? 'no previous revision to undo to' : `no revision ${toRevision}`),
      );
    }
    return this.rollout(target.release, { ...target.env }, `rollback to revision ${target.revision}`);
  }

  restart(): Promise<RevisionInfo> {
    return this.rollout(this.current.release, { ...this.current.env }, 'restart');
  }

  setEnv(changes: Record<string, string | null>): Promise<RevisionInfo> {
    const env = withEnvChanges(this.current.env, changes);
    return this.rollout(this.current.release, env, `set env ${Object.keys(changes).join(', ')}`);
  }

  /** `commands.scale` with the count; done when the replicas answer with the running release. */
  async scale(replicas: number): Promise<void> {
    if (!this.commands.has('scale'))
      throw new Error('the external stack has no scale command (commands.scale)');
    await this.commands.run('scale', { GAMEDAY_REPLICAS: String(replicas) });
    await this.waitReady(this.current.release);
  }

  logs(options: { replica?: string; tail?: number } = {}): string[] {
    const lines = options.replica
      ? this.logLines.filter((line) => line.includes(options.replica!))
      : this.logLines;
    return lines.slice(-(options.tail ?? lines.length));
  }

  killReplica(name: string, signal: NodeJS.Signals = 'SIGKILL'): void {
    this.ready.set(name, false);
    void this.commands
      .run('killReplica', { GAMEDAY_REPLICA: name, GAMEDAY_SIGNAL: signal })
      .catch((error: Error) => {
        this.logLines.push(`gameday: ${error.message}`);
      });
  }

  async connectionSpread(): Promise<{ name: string; active: number; total: number }[]> {
    return [];
  }
}

function sorted(env: Record<string, string>): [string, string][] {
  return Object.entries(env).sort(([a], [b]) => a.localeCompare(b));
}
