import { textTable } from '../core/text-table.ts';
import type { Stack } from '../stack/stack.ts';

/** What one `gameday ctl` command did, for the responder and for the game day's timeline. */
export interface CtlOutcome {
  output: string;
  /** The runbook action it is (names as in src/runbooks/steps.ts: rollback, set-env, get-pods…). */
  action: string;
  /** It changed the deployment (a fix attempt), rather than only looked. */
  changes: boolean;
}

export class CtlUsageError extends Error {
  /** The command has no equivalent on the stack at all (`kubectl exec`), rather than a mistake in its words. */
  readonly unsupported: boolean;

  constructor(problem: string, { unsupported = false }: { unsupported?: boolean } = {}) {
    super(`${problem}\n\n${CTL_USAGE}`);
    this.name = 'CtlUsageError';
    this.unsupported = unsupported;
  }
}

export const CTL_USAGE = `gameday ctl: kubectl's verbs on the game day's stack (deployment/chat-backend, -n …, --context … accepted and ignored)
  get pods                              replicas, readiness, release, restarts
  rollout history | status | restart    revisions; whether the rollout is done; a rolling restart
  rollout undo [--to-revision=N]        roll back (to the previous revision by default)
  set env KEY=VALUE … [KEY-]            roll out new settings (KEY- removes one)
  scale --replicas=N                    change the number of replicas
  delete pod POD                        kill a replica (it is started again, as a Deployment would)
  logs [POD] [--tail=N]                 recent log lines (all replicas by default; --tail=-1: all lines)
  psql                                  connection strings for psql`;

/**
 * Drops what only makes sense on Kubernetes (a leading "kubectl", the namespace, the deployment's
 * name), so a runbook's command works with "kubectl" replaced by "gameday ctl".
 */
function normalise(args: string[]): string[] {
  const words: string[] = [];
  for (let i = args[0] === 'kubectl' ? 1 : 0; i < args.length; i++) {
    const word = args[i]!;
    if (word === '-n' || word === '--namespace' || word === '--context') i++;
    else if (/^--(namespace|context)=/.test(word) || /^(deployment|deploy)\/\S+$/.test(word)) continue;
    else if ((word === 'deployment' || word === 'deploy') && args[i + 1]) i++;
    else words.push(word);
  }
  return words;
}

/** `--name=value` or `--name value`; undefined when absent. */
function option(words: string[], name: string): string | undefined {
  const index = words.findIndex((word) => word === `--${name}` || word.startsWith(`--${name}=`));
  if (index < 0) return undefined;
  const word = words[index]!;
  const value = word.includes('=') ? word.slice(word.indexOf('=') + 1) : words[index + 1];
  if (value === undefined || value === '') throw new CtlUsageError(`--${name}: expected a value`);
  return value;
}

/** kubectl's --tail: a count, or -1 for every line. */
function tailOf(value: string | undefined): number {
  if (value === '-1') return Number.MAX_SAFE_INTEGER;
  return positiveInteger(value ?? '50', '--tail');
}

function positiveInteger(value: string, flag: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1)
    throw new CtlUsageError(`${flag}: expected a whole number ≥ 1, got "${value}"`);
  return number;
}

/** kubectl's columns are three spaces apart. */
const table = (rows: string[][]) => textTable(rows, '   ');

/** Runs one `gameday ctl` command against the stack. Throws CtlUsageError for a command it does not know. */
export async function runCtl(args: string[], stack: Stack): Promise<CtlOutcome> {
  const words = normalise(args);
  const [verb, sub] = words;
  const backend = stack.backend;
  const requireRollout = () => {
    if (!stack.capabilities.has('rollout'))
      throw new CtlUsageError('this stack has no rollout command: its config gives gameday none', {
        unsupported: true,
      });
  };
  if (verb === 'get' && (sub === 'pods' || sub === 'pod' || sub === 'po')) {
    const rows = backend
      .replicas()
      .map((r) => [
        r.name,
        r.ready ? '1/1' : '0/1',
        r.ready ? 'Running' : 'NotReady',
        String(r.restarts),
        r.release,
        String(r.revision),
      ]);
    return {
      output: table([['NAME', 'READY', 'STATUS', 'RESTARTS', 'RELEASE', 'REVISION'], ...rows]),
      action: 'get-pods',
      changes: false,
    };
  }
  if (verb === 'rollout') {
    requireRollout();
    if (sub === 'history') {
      const rows = backend.history().map((r) => [String(r.revision), r.release, r.changeCause, r.createdAt]);
      return {
        output: table([['REVISION', 'RELEASE', 'CHANGE-CAUSE', 'CREATED'], ...rows]),
        action: 'rollout-history',
        changes: false,
      };
    }
    if (sub === 'status') {
      const replicas = backend.replicas();
      const current = Math.max(0, ...backend.history().map((r) => r.revision));
      const updated = replicas.filter((r) => r.ready && r.revision === current).length;
      return {
        output:
          updated === replicas.length
            ? `deployment "chat-backend" successfully rolled out (revision ${current}, ${updated} replicas)`
            : `Waiting for deployment "chat-backend" rollout to finish: ${updated} of ${replicas.length} updated replicas are available...`,
        action: 'rollout-status',
        changes: false,
      };
    }
    if (sub === 'undo') {
      const to = option(words, 'to-revision');
      const revision = await backend.undo(
        to === undefined ? undefined : positiveInteger(to, '--to-revision'),
      );
      return {
        output: `deployment.apps/chat-backend rolled back (revision ${revision.revision}, release ${revision.release})`,
        action: 'rollback',
        changes: true,
      };
    }
    if (sub === 'restart') {
      const revision = await backend.restart();
      return {
        output: `deployment.apps/chat-backend restarted (revision ${revision.revision})`,
        action: 'restart',
        changes: true,
      };
    }
    throw new CtlUsageError(`rollout ${sub ?? ''}: expected history, status, undo or restart`);
  }
  if (verb === 'set' && sub === 'env') {
    requireRollout();
    const changes: Record<string, string | null> = {};
    for (const word of words.slice(2)) {
      // kubectl's own flags (--overwrite, --containers=…) change nothing on this stack.
      if (word.startsWith('--')) continue;
      const set = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(word);
      const unset = /^([A-Za-z_][A-Za-z0-9_]*)-$/.exec(word);
      if (set) changes[set[1]!] = set[2]!;
      else if (unset) changes[unset[1]!] = null;
      else throw new CtlUsageError(`set env: "${word}" is neither KEY=VALUE nor KEY-`);
    }
    if (Object.keys(changes).length === 0) throw new CtlUsageError('set env: give at least one KEY=VALUE');
    const revision = await backend.setEnv(changes);
    return {
      output: `deployment.apps/chat-backend env updated (revision ${revision.revision})`,
      action: 'set-env',
      changes: true,
    };
  }
  if (verb === 'scale') {
    if (!stack.capabilities.has('scale'))
      throw new CtlUsageError('this stack cannot be scaled by gameday', { unsupported: true });
    const replicas = option(words, 'replicas');
    if (replicas === undefined) throw new CtlUsageError('scale: --replicas=N is required');
    await backend.scale(positiveInteger(replicas, '--replicas'));
    return {
      output: `deployment.apps/chat-backend scaled to ${replicas}`,
      action: 'scale',
      changes: true,
    };
  }
  if (verb === 'logs') {
    const tail = option(words, 'tail');
    const pod = words
      .slice(1)
      .find((word, i, rest) => !word.startsWith('-') && !rest[i - 1]?.match(/^--tail$/));
    if (pod && !backend.replicas().some((r) => r.name === pod))
      throw new CtlUsageError(
        `logs: no pod named "${pod}" (pods: ${backend
          .replicas()
          .map((r) => r.name)
          .join(', ')})`,
      );
    const lines = backend.logs({ replica: pod, tail: tailOf(tail) });
    return { output: lines.join('\n'), action: 'logs', changes: false };
  }
  if (verb === 'delete' && (sub === 'pod' || sub === 'pods' || sub === 'po')) {
    if (!stack.capabilities.has('kill-replica'))
      throw new CtlUsageError(
        'this stack cannot delete a pod: its config gives gameday no killReplica command',
        {
          unsupported: true,
        },
      );
    const names = words.slice(2).filter((word) => !word.startsWith('-'));
    if (names.length === 0)
      throw new CtlUsageError('delete pod: name the pod (gameday ctl get pods lists them)');
    const known = backend.replicas().map((r) => r.name);
    const unknown = names.find((name) => !known.includes(name));
    if (unknown) throw new CtlUsageError(`delete pod: no pod named "${unknown}" (pods: ${known.join(', ')})`);
    for (const name of names) backend.killReplica(name, 'SIGKILL');
    return {
      output: names.map((name) => `pod "${name}" deleted`).join('\n'),
      action: 'delete-pod',
      changes: true,
    };
  }
  if (verb === 'psql') {
    const database = stack.endpoints.database;
    return {
      output: [
        `primary (superuser): psql "${stack.database.adminUrl()}"`,
        `application (as the backend connects, through the fault proxy): psql "${database.appUrl}"`,
        ...(database.replicaAdminUrl ? [`replica (superuser): psql "${database.replicaAdminUrl}"`] : []),
      ].join('\n'),
      action: 'psql',
      changes: false,
    };
  }
  throw new CtlUsageError(`unknown command "${words.join(' ')}": it has no equivalent on this stack`, {
    unsupported: true,
  });
}
