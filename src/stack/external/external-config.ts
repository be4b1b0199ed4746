import fs from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { InputError } from '../../core/errors.ts';
import { ownEntry } from '../../core/own-entry.ts';
import { isoDurationMs } from '../../fis/iso-duration.ts';
import { SEED_PASSWORD } from '../reference-backend.ts';

const httpUrl = z
  .string()
  .regex(/^https?:\/\/[^/]+/, 'expected an http:// URL such as http://127.0.0.1:3001')
  .transform((url) => url.replace(/\/+$/, ''));
const postgresUrl = z
  .string()
  .regex(/^postgres(ql)?:\/\/[^/]+\/\w/, 'expected a postgresql://user:password@host:port/database URL');
const command = z.string().trim().min(1, 'expected a shell command');

/** Resources as FIS finds them: by ARNs (at most 5, FIS's limit) or by tags. */
const fisSelector = z
  .object({
    arns: z.array(z.string().min(20)).min(1).max(5).optional(),
    tags: z.record(z.string(), z.string()).optional(),
  })
  .strict();

/**
 * `--faults fis`: where FIS answers and what its templates target. "local" (the default) is gameday's
 * own endpoint, acting on this stack; "aws" is AWS FIS (region and credentials from the environment
 * or the AWS profile, as the AWS CLI finds them), or a URL for another FIS endpoint.
 */
export const fisConfigSchema = z
  .object({
    endpoint: z
      .string()
      .regex(/^(local|aws|https?:\/\/\S+)$/, 'expected "local", "aws" or an http(s):// URL')
      .default('local'),
    region: z.string().min(1).optional(),
    /** The IAM role FIS assumes (AWS). */
    roleArn: z.string().min(20).optional(),
    /**
     * Where the faults land in the account (see FisExportConfig in src/fis/templates.ts); with the
     * local endpoint, the names this stack's parts answer to there (a team's own, for its templates).
     */
    targets: z
      .object({
        dbInstance: z.string().min(20).optional(),
        dbCluster: z.string().min(20).optional(),
        ecsTasks: fisSelector
          .extend({ cluster: z.string().optional(), service: z.string().optional() })
          .optional(),
        eksPods: z
          .object({
            clusterIdentifier: z.string().min(1),
            namespace: z.string().min(1),
            selectorType: z.enum(['labelSelector', 'deploymentName', 'podName']),
            selectorValue: z.string().min(1),
            kubernetesServiceAccount: z.string().min(1),
          })
          .strict()
          .optional(),
        subnets: z
          .object({ database: fisSelector, replica: fisSelector, backend: fisSelector })
          .partial()
          .strict()
          .optional(),
        endpoints: z
          .object({ database: z.string(), replica: z.string(), objectStore: z.string() })
          .partial()
          .strict()
          .optional(),
      })
      .strict()
      .default({}),
    /** CloudWatch alarm ARNs that stop every experiment (the guards' alarms; FIS takes at most 5). */
    stopConditionAlarms: z.array(z.string()).max(5, 'FIS takes at most 5 stop conditions').default([]),
    /** The local endpoint only: how long a rebooted database stays down (ISO 8601, runbook time). */
    rebootOutage: z
      .string()
      .refine((text) => isoDurationMs(text) !== undefined, 'expected an ISO 8601 duration such as PT2M')
      .optional(),
  })
  .strict();

export type FisConfig = z.infer<typeof fisConfigSchema>;

/**
 * What gameday needs to know about a stack someone else runs (`--stack external --stack-config FILE`):
 * where its parts answer, and the shell commands that do what kubectl or docker would. Each command is
 * optional; a missing one leaves its capability out, and the scenarios that need it are skipped.
 */
export const externalConfigSchema = z
  .object({
    $comment: z.string().optional(),
    /** The front: HTTP and Socket.IO. */
    frontUrl: httpUrl,
    /** Each backend replica, scraped on its own (one entry when the front is the only replica). */
    replicas: z.array(z.object({ name: z.string().min(1), url: httpUrl }).strict()).min(1),
    /** A Toxiproxy API with proxies in front of the database (and replica, attachment store). */
    proxyApiUrl: httpUrl.optional(),
    proxies: z
      .object({ database: z.string(), replica: z.string(), objectStore: z.string() })
      .partial()
      .strict()
      .default({}),
    objectStoreUrl: httpUrl.optional(),
    /**
     * The backend sees the address each client connects from (127.0.0.N), so the attack scenarios'
     * per-address limits apply; false where a proxy or docker's port publishing hides it.
     */
    seesClientAddresses: z.boolean().default(false),
    database: z
      .object({
        /** Superuser on the primary, reached from where gameday runs. */
        primaryAdminUrl: postgresUrl,
        /** Superuser on the streaming replica: promoting it is `SELECT pg_promote()` here. */
        replicaAdminUrl: postgresUrl.optional(),
        /** The application role, reached from where gameday runs (through the proxy if there is one). */
        appUrl: postgresUrl,
        /** DATABASE_URL of the replica as the backend reaches it: what a failover sets. */
        replicaAppUrl: postgresUrl.optional(),
        appUser: z.string().default('chatuser'),
        appDatabase: z.string().default('chatdb'),
      })
      .strict(),
    secrets: z
      .object({
        adminToken: z.string().min(1),
        jwtSecret: z.string().min(16),
        /** The seeded users' password (user1, user2, …); the reference backend's seed by default. */
        userPassword: z.string().min(1).default(SEED_PASSWORD),
      })
      .strict(),
    /**
     * The stack runs on Kubernetes: a runbook's kubectl commands (`runbook verify`) run with the real
     * kubectl, this context, namespace and deployment name taking the place of the runbook's.
     */
    kubernetes: z
      .object({ context: z.string().min(1), namespace: z.string().min(1), deployment: z.string().min(1) })
      .partial()
      .strict()
      .optional(),
    backend: z
      .object({
        /** How long a rollout may take until every replica answers its health check. */
        readyTimeoutSeconds: z.number().positive().default(120),
      })
      .strict()
      .default({ readyTimeoutSeconds: 120 }),
    /**
     * Run with `sh -c` in the config file's directory. They get GAMEDAY_* variables: rollout gets
     * GAMEDAY_BACKEND_ENV_FILE (the revision's release and environment, KEY=value lines; empty for the
     * deployment as found), GAMEDAY_BACKEND_ENV_UNSET (what the running revision sets and this one does
     * not, as `KEY-` words for `kubectl set env`), GAMEDAY_RELEASE and GAMEDAY_REVISION; scale gets
     * GAMEDAY_REPLICAS; killReplica gets GAMEDAY_REPLICA and
     * GAMEDAY_SIGNAL; stopPrimary gets GAMEDAY_STOP_MODE (fast | immediate).
     */
    commands: z
      .object({
        rollout: command,
        /** Sets the number of backend replicas (`kubectl scale`); its rollout is waited for by health checks. */
        scale: command,
        /** Runs for the whole session, printing the backend's log lines as they come. */
        logs: command,
        stopPrimary: command,
        startPrimary: command,
        freezePrimary: command,
        thawPrimary: command,
        killReplica: command,
        /** Puts the whole stack back as new (fresh database, seeded): after a scenario that uses it up. */
        reset: command,
        /** Seconds each command may take (default 180). */
        timeoutSeconds: z.number().positive(),
      })
      .partial()
      .strict()
      .default({}),
    /**
     * The team's own alerting, for `--alert-source prometheus|alertmanager` (the command line's
     * --prometheus-url/--alertmanager-url win). Its Prometheus scrapes gameday's PostgreSQL exporter
     * and deployment state where `exporters` says they listen (postgres_exporter's and
     * kube-state-metrics' usual ports), only while gameday runs. Intervals are its scrape and rule
     * evaluation intervals, as its prometheus.yml sets them: the parity's tolerance is their sum.
     */
    monitoring: z
      .object({
        prometheusUrl: httpUrl.optional(),
        alertmanagerUrl: httpUrl.optional(),
        scrapeIntervalMs: z.number().int().positive().default(250),
        evaluationIntervalMs: z.number().int().positive().default(250),
        exporters: z
          .object({
            postgres: z
              .string()
              .regex(/^127\.0\.0\.1:\d+$/, 'expected 127.0.0.1:PORT')
              .optional(),
            kubeState: z
              .string()
              .regex(/^127\.0\.0\.1:\d+$/, 'expected 127.0.0.1:PORT')
              .optional(),
          })
          .strict()
          .default({}),
      })
      .strict()
      .optional(),
    fis: fisConfigSchema.optional(),
  })
  .strict();

export type ExternalConfig = z.infer<typeof externalConfigSchema> & {
  /** Absolute path of the file, for messages and as the commands' working directory. */
  file: string;
};

/** `${NAME}` in any string is the environment variable's value, so secrets can stay out of the file. */
function expand(value: unknown, field: string, problems: string[]): unknown {
  if (typeof value === 'string') {
    return value.replace(/\$\{(\w+)\}/g, (_, name: string) => {
      const found = ownEntry(process.env, name);
      if (found === undefined)
        problems.push(`${field}: \${${name}} is not set; export ${name} or write the value`);
      return found ?? '';
    });
  }
  if (Array.isArray(value)) return value.map((item, i) => expand(item, `${field}[${i}]`, problems));
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [
        key,
        // Commands are shell text: their ${…} is the shell's business, at run time.
        field === 'commands' ? item : expand(item, field ? `${field}.${key}` : key, problems),
      ]),
    );
  }
  return value;
}

/** Reads and checks the file; every problem is reported at once, each naming the file and the field. */
export async function readExternalConfig(file: string): Promise<ExternalConfig> {
  const shown = path.relative(process.cwd(), file) || file;
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch {
    throw new InputError([
      `${shown}: cannot read the external stack's config; pass --stack-config FILE (compose/gameday-stack.json describes docker-compose.yml's stack)`,
    ]);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new InputError([`${shown}: not valid JSON: ${(error as Error).message}`]);
  }
  const problems: string[] = [];
  const expanded = expand(raw, '', problems);
  const parsed = externalConfigSchema.safeParse(expanded);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      problems.push(`${issue.path.join('.') || '(top level)'}: ${issue.message}`);
    }
  }
  if (parsed.success) {
    const { database, commands } = parsed.data;
    if (database.replicaAdminUrl && !database.replicaAppUrl)
      problems.push('database.replicaAppUrl: needed with replicaAdminUrl (what the backend is repointed to)');
    if (Boolean(commands.stopPrimary) !== Boolean(commands.startPrimary))
      problems.push('commands: stopPrimary and startPrimary go together (a stopped primary must come back)');
    if (Boolean(commands.freezePrimary) !== Boolean(commands.thawPrimary))
      problems.push('commands: freezePrimary and thawPrimary go together (a frozen primary must come back)');
    const fis = parsed.data.fis;
    if (fis && fis.endpoint !== 'local' && !fis.roleArn)
      problems.push('fis.roleArn: required when fis.endpoint is not "local" (the IAM role FIS assumes)');
    if (fis?.rebootOutage && fis.endpoint !== 'local')
      problems.push('fis.rebootOutage: only for the local endpoint (AWS reboots its instances itself)');
  }
  if (problems.length > 0 || !parsed.success) throw new InputError(problems.map((p) => `${shown}: ${p}`));
  return { ...parsed.data, file: path.resolve(file) };
}
