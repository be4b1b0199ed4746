import type { Clock } from '../../../src/core/clock.ts';
import type {
  BackendControl,
  Capability,
  DatabaseControl,
  ReplicaInfo,
  RevisionInfo,
  Stack,
} from '../../../src/stack/stack.ts';

/** How a fake release behaves: the share of sends it fails. */
export type ReleaseErrors = Record<string, number>;

export interface FakeStackOptions {
  clock: Clock;
  /** Error share per release; releases not listed fail nothing. */
  releases?: ReleaseErrors;
  /** How long a rollout takes (wall ms on the clock). */
  rolloutMs?: number;
}

/**
 * A stack in memory for the engine's own tests: a deployment with revisions (rollouts take time on
 * the given clock), each with its release and environment, and an error share that follows the running
 * release, read by a fake metrics source. Hooks let a test make any operation throw or hang.
 */
export class FakeStack implements Stack {
  readonly kind = 'embedded';
  readonly id = 'fake-stack';
  readonly capabilities: ReadonlySet<Capability> = new Set<Capability>(['rollout', 'scale']);
  readonly endpoints = {
    frontUrl: 'http://127.0.0.1:9',
    proxies: {},
    database: {
      primaryAdminUrl: 'postgresql://fake:fake@127.0.0.1:9/fake',
      appUrl: 'postgresql://fake:fake@127.0.0.1:9/fake',
      appUser: 'chatuser',
      appDatabase: 'chatdb',
    },
  };
  readonly secrets = { adminToken: 'fake-admin', jwtSecret: 'fake-jwt-secret-fake', userPassword: 'fake' };
  readonly revisions: RevisionInfo[];
  /** Replaces a backend operation by name (to throw or hang). */
  readonly overrides: Partial<Record<'deploy' | 'undo' | 'setEnv', () => Promise<RevisionInfo>>> = {};
  readonly backend: BackendControl;
  readonly database: DatabaseControl;
  down = async () => undefined;
  status = async () => [];

  constructor(private readonly options: FakeStackOptions) {
    const { clock } = options;
    this.revisions = [
      {
        revision: 1,
        release: '1.4.2',
        env: {},
        changeCause: 'initial',
        createdAt: new Date(clock.now() - 3_600_000).toISOString(),
      },
    ];
    const rollout = async (release: string, changeCause: string, env = this.env) => {
      await clock.sleep(options.rolloutMs ?? 1_000);
      const revision = {
        revision: this.revisions.length + 1,
        release,
        env: { ...env },
        changeCause,
        createdAt: new Date(clock.now()).toISOString(),
      };
      this.revisions.push(revision);
      return revision;
    };
    const unsupported = async (): Promise<never> => {
      throw new Error('the fake stack cannot do that');
    };
    this.backend = {
      replicas: (): ReplicaInfo[] => [
        {
          name: 'fake-0',
          url: 'http://127.0.0.1:9',
          ready: true,
          release: this.release,
          revision: this.revisions.length,
          restarts: 0,
        },
      ],
      history: () => [...this.revisions],
      deploy: (release, changeCause = `deploy ${release}`) =>
        this.overrides.deploy?.() ?? rollout(release, changeCause),
      undo: (toRevision) => {
        if (this.overrides.undo) return this.overrides.undo();
        const target = this.revisions[(toRevision ?? this.revisions.length - 1) - 1]!;
        return rollout(target.release, 'rollout undo', target.env);
      },
      restart: () => rollout(this.release, 'restart'),
      setEnv: (changes) => {
        if (this.overrides.setEnv) return this.overrides.setEnv();
        const env: Record<string, string> = { ...this.env };
        for (const [key, value] of Object.entries(changes)) {
          if (value === null) delete env[key];
          else env[key] = value;
        }
        return rollout(this.release, `set env ${Object.keys(changes).join(', ')}`, env);
      },
      scale: async () => undefined,
      logs: () => [],
      killReplica: () => undefined,
      connectionSpread: async () => [],
    };
    this.database = {
      adminUrl: () => this.endpoints.database.primaryAdminUrl,
      stopPrimary: unsupported,
      startPrimary: unsupported,
      promoteReplica: unsupported,
      primaryRunning: () => true,
      freezePrimary: unsupported,
      thawPrimary: unsupported,
      primaryFrozen: () => false,
      takeBaseBackup: unsupported,
      restoreToPointInTime: unsupported,
    };
  }

  get release(): string {
    return this.revisions.at(-1)!.release;
  }

  /** The running revision's environment. */
  get env(): Record<string, string> {
    return this.revisions.at(-1)?.env ?? {};
  }

  /** The share of requests the running release fails. */
  errorShare(): number {
    return this.options.releases?.[this.release] ?? 0;
  }
}
