/**
 * The system under test, as gameday sees it, whatever runs it: the embedded provider (child processes
 * on this machine), the containers provider (Docker), the testcontainers provider (containers on their
 * own bridge network, for a team's CI) or an external stack someone else runs. A
 * provider that cannot do something (an external stack cannot stop its own database) leaves that
 * capability out, and scenarios that need it are refused before anything is touched.
 */

export type StackKind = 'embedded' | 'containers' | 'testcontainers' | 'external';

export type Capability =
  /** deploy / rollout history / undo / restart / set env */
  | 'rollout'
  | 'scale'
  /** stop and start the primary database */
  | 'database-lifecycle'
  /** freeze the primary database (every process stopped, connections left open): a hang */
  | 'database-freeze'
  | 'promote-replica'
  /** a Toxiproxy API in front of the database and the attachment store */
  | 'fault-proxy'
  /** superuser SQL on the database (faults such as dropping an index, holding a lock) */
  | 'database-superuser'
  | 'kill-replica'
  /** base backups and a point-in-time side copy of the database (WAL archive) */
  | 'point-in-time-restore'
  /**
   * the backend sees each client's own source address (127.0.0.N), so attacks from a few addresses
   * can be told from a crowd; a port published through docker-proxy hides it
   */
  | 'client-addresses'
  /** a memory limit on each backend replica, which a leak runs into (an OOM kill in a container) */
  | 'memory-limit'
  /** put the whole stack back as new after a scenario that uses it up (a failover) */
  | 'reset'
  /**
   * cut a part of the stack off its network and put it back (`docker network disconnect`): only a
   * stack on its own bridge network can; on the host's network every part shares one loopback
   */
  | 'network-partition';

export interface DatabaseEndpoints {
  /** Superuser URL of the primary, for faults and diagnostics. Contains a password: never log it. */
  primaryAdminUrl: string;
  /** Superuser URL of the streaming replica, if there is one. */
  replicaAdminUrl?: string;
  /** The application's URL as the backend uses it (through the fault proxy when there is one). */
  appUrl: string;
  /**
   * The application's URL to the replica through the proxy, as the backend reaches it (what a failover
   * repoints DATABASE_URL to); on an external stack that may be a name only its network knows.
   */
  replicaAppUrl?: string;
  /** Application role and database names (the runbook's chatuser / chatdb). */
  appUser: string;
  appDatabase: string;
}

export interface StackEndpoints {
  /** The front: HTTP and Socket.IO, spread over the replicas. */
  frontUrl: string;
  /** Toxiproxy-compatible API, with proxies named in `proxies`. */
  proxyApiUrl?: string;
  proxies: { database?: string; replica?: string; objectStore?: string };
  objectStoreUrl?: string;
  database: DatabaseEndpoints;
}

export interface Secrets {
  adminToken: string;
  jwtSecret: string;
  /** The password of the seeded users (user1, user2, …) that synthetic traffic logs in as. */
  userPassword: string;
}

export interface ReplicaInfo {
  name: string;
  /** Direct URL of this replica (scraped on its own, as Prometheus scrapes pods). */
  url: string;
  ready: boolean;
  release: string;
  revision: number;
  restarts: number;
  pid?: number;
}

export interface RevisionInfo {
  revision: number;
  release: string;
  env: Record<string, string>;
  changeCause: string;
  createdAt: string;
}

/** What the runbooks do with kubectl, on whatever runs the backend. */
export interface BackendControl {
  replicas(): ReplicaInfo[];
  history(): RevisionInfo[];
  deploy(release: string, changeCause?: string): Promise<RevisionInfo>;
  undo(toRevision?: number): Promise<RevisionInfo>;
  restart(): Promise<RevisionInfo>;
  setEnv(changes: Record<string, string | null>): Promise<RevisionInfo>;
  scale(replicas: number): Promise<void>;
  logs(options?: { replica?: string; tail?: number }): string[];
  killReplica(name: string, signal?: NodeJS.Signals): void;
  /** Connections the front currently holds to each replica. */
  connectionSpread(): Promise<{ name: string; active: number; total: number }[]>;
}

export interface DatabaseControl {
  /** Superuser URL of whichever server is the primary now (the replica, once promoted). */
  adminUrl(): string;
  /**
   * 'fast' is a clean stop, 'immediate' a crash. A frozen primary stopped 'immediate' is killed while
   * frozen, so nothing queued on it runs first (where the stack can: not the external stack's commands).
   */
  stopPrimary(mode?: 'fast' | 'immediate'): Promise<void>;
  startPrimary(): Promise<void>;
  promoteReplica(): Promise<void>;
  primaryRunning(): boolean;
  freezePrimary(): Promise<void>;
  thawPrimary(): Promise<void>;
  primaryFrozen(): boolean;
  /** Takes an online base backup of the primary, kept with the stack (the oldest go when there are too many). */
  takeBaseBackup(): Promise<BaseBackup>;
  /**
   * Restores a side copy of the database as of `target` (like RDS restore-db-instance-to-point-in-time):
   * the newest base backup taken at or before `target`, replayed from the WAL archive up to it. The live
   * database is not touched. Throws when no base backup precedes `target`, and after a failover.
   */
  restoreToPointInTime(target: Date): Promise<RestoredDatabase>;
}

export interface BaseBackup {
  /** Unique within the stack, e.g. "base-1". */
  id: string;
  /** When the backup became consistent, by the server's clock: the earliest time it can restore to. */
  takenAt: Date;
}

/** A separate database server holding the state of the database as of `restoredTo`. */
export interface RestoredDatabase {
  /** Superuser URL of the restored server (on its own loopback port), same database as `adminUrl()`. */
  url: string;
  /** Every transaction committed at or before this time is in the copy, none committed after it. */
  restoredTo: Date;
  /** Stops the restored server and removes its files. Safe to call twice. */
  close(): Promise<void>;
}

/** A part of the stack that can be cut off its network. */
export type NetworkPart = 'primary';

/** The stack's own network, on a stack that has one (capability `network-partition`). */
export interface NetworkControl {
  /** Cuts the part off the network: nothing reaches it and it reaches nothing (its name stops resolving). */
  disconnect(part: NetworkPart): Promise<void>;
  /** Attaches it again under the same names, so everything that knew it finds it again. */
  reconnect(part: NetworkPart): Promise<void>;
  /** Whether the part is attached to the network now, as the container engine reports it. */
  connected(part: NetworkPart): Promise<boolean>;
}

export interface StackComponentStatus {
  name: string;
  state: 'running' | 'stopped';
  detail?: string;
}

/** A helper process started beside the stack (gameday's own Prometheus and Alertmanager). */
export interface Companion {
  name: string;
  pid: number | undefined;
  stop(): Promise<unknown>;
}

/** The names a runbook's kubectl commands take on a stack that runs on Kubernetes. */
export interface KubernetesTarget {
  context?: string;
  namespace?: string;
  /** The backend's Deployment (a runbook's `deployment/chat-backend` becomes `deployment/<this>`). */
  deployment?: string;
}

export interface Stack {
  readonly kind: StackKind;
  readonly id: string;
  readonly capabilities: ReadonlySet<Capability>;
  readonly endpoints: StackEndpoints;
  readonly secrets: Secrets;
  readonly backend: BackendControl;
  readonly database: DatabaseControl;
  /** Present on a stack with its own network (capability `network-partition`). */
  readonly network?: NetworkControl;
  /** Set when the stack runs on Kubernetes: a runbook's kubectl runs for real, with these names. */
  readonly kubernetes?: KubernetesTarget;
  status(): Promise<StackComponentStatus[]>;
  /** Stops everything the stack started and removes its files. Safe to call twice. */
  down(): Promise<void>;
  /**
   * A stack gameday starts can take helper processes along: `companionDir` gives one a directory the
   * stack owns (removed with it), `adopt` records its process with the stack's (so the next run stops
   * it after a crash) and stops it when the stack goes down. A stack someone else runs has neither.
   */
  companionDir?(name: string): Promise<string>;
  adopt?(companion: Companion): Promise<void>;
}
