import fs from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { InputError } from '../../core/errors.ts';
import { SEED_PASSWORD } from '../reference-backend.ts';

const httpUrl = z
  .string()
  .regex(/^https?:\/\/[^/]+/, 'expected an http:// URL such as http://127.0.0.1:3001')
  .transform((url) => url.replace(/\/+$/, ''));
const postgresUrl = z
  .string()
  .regex(/^postgres(ql)?:\/\/[^/]+\/\w/, 'expected a postgresql://user:password@host:port/database URL');
const command = z.string().trim().min(1, 'expected a shell command');

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
      const found = process.env[name];
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
  }
  if (problems.length > 0 || !parsed.success) throw new InputError(problems.map((p) => `${shown}: ${p}`));
  return { ...parsed.data, file: path.resolve(file) };
}
