import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { StackUnavailableError } from '../../core/errors.ts';

const run = promisify(execFile);

/** The label every container, network, volume and image gameday creates carries (value: the run or stack id). */
export const GAMEDAY_LABEL = 'io.gameday.stack';

/** No engine to run containers: exit 3, like any stack that cannot start. */
export class DockerUnavailableError extends StackUnavailableError {
  constructor(detail: string) {
    super(
      `no Docker engine answers (${detail}); start one (\`dockerd &\`, after \`apt-get install docker.io\`) or use --stack embedded`,
    );
    this.name = 'DockerUnavailableError';
  }
}

/** Runs `docker …` and returns its standard output; a failure names the command and what docker said. */
export async function docker(args: string[]): Promise<string> {
  try {
    const { stdout } = await run('docker', args, { maxBuffer: 64 * 1024 * 1024 });
    return stdout.trim();
  } catch (error) {
    const failure = error as { code?: string | number; stderr?: string; message: string };
    if (failure.code === 'ENOENT') throw new DockerUnavailableError('the docker command is not installed');
    throw new Error(
      `docker ${args.slice(0, 3).join(' ')} failed: ${(failure.stderr || failure.message).trim()}`,
    );
  }
}

/** Whether a Docker engine answers; throws DockerUnavailableError with the fix when not. */
export async function requireDocker(): Promise<void> {
  try {
    await docker(['version', '--format', '{{.Server.Version}}']);
  } catch (error) {
    if (error instanceof DockerUnavailableError) throw error;
    throw new DockerUnavailableError((error as Error).message.split('\n')[0]!);
  }
}

export async function imageExists(image: string): Promise<boolean> {
  try {
    await docker(['image', 'inspect', '--format', '{{.Id}}', image]);
    return true;
  } catch {
    return false;
  }
}

export interface ContainerSpec {
  image: string;
  /** The stack (or run) the container belongs to: its label value, and the prefix of its name. */
  stackId: string;
  name: string;
  command: string[];
  env?: Record<string, string>;
  user?: string;
  /** host path → container path, read-only unless `rw`. */
  mounts?: { source: string; target: string; rw?: boolean }[];
  network?: string;
  memory?: string;
}

/** Starts a labelled, detached container; returns its id. */
export async function runContainer(spec: ContainerSpec): Promise<string> {
  const args = [
    'run',
    '-d',
    '--name',
    `${spec.stackId}-${spec.name}`,
    '--label',
    `${GAMEDAY_LABEL}=${spec.stackId}`,
  ];
  if (spec.user) args.push('--user', spec.user);
  if (spec.network) args.push('--network', spec.network);
  if (spec.memory) args.push('--memory', spec.memory);
  for (const [key, value] of Object.entries(spec.env ?? {})) args.push('--env', `${key}=${value}`);
  for (const mount of spec.mounts ?? [])
    args.push(
      '--mount',
      `type=bind,source=${mount.source},target=${mount.target}${mount.rw ? '' : ',readonly'}`,
    );
  return docker([...args, spec.image, ...spec.command]);
}

/** The container's address on its (first) network: reachable from this host, as a pod IP is. */
export async function containerAddress(id: string): Promise<string> {
  const address = await docker([
    'inspect',
    '--format',
    '{{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}',
    id,
  ]);
  const first = address.split(/\s+/).find(Boolean);
  if (!first) throw new Error(`container ${id.slice(0, 12)} has no network address`);
  return first;
}

/** What gameday labelled with this stack id (or any gameday stack, without one). */
export async function labelled(
  stackId?: string,
): Promise<{ containers: string[]; networks: string[]; volumes: string[] }> {
  const filter = ['--filter', `label=${GAMEDAY_LABEL}${stackId ? `=${stackId}` : ''}`];
  const list = async (args: string[]) => (await docker([...args, ...filter])).split('\n').filter(Boolean);
  return {
    containers: await list(['ps', '-aq']),
    networks: await list(['network', 'ls', '-q']),
    volumes: await list(['volume', 'ls', '-q']),
  };
}

/** Removes every container, network and volume labelled with this stack id; returns how many. */
export async function removeLabelled(stackId: string): Promise<number> {
  const found = await labelled(stackId);
  if (found.containers.length > 0) await docker(['rm', '-f', '-v', ...found.containers]);
  if (found.networks.length > 0) await docker(['network', 'rm', ...found.networks]);
  if (found.volumes.length > 0) await docker(['volume', 'rm', '-f', ...found.volumes]);
  return found.containers.length + found.networks.length + found.volumes.length;
}

/**
 * SIGKILL to every process of a paused container, from the host, while it is still frozen: a frozen
 * task dies without running again. `docker kill` signals only the container's first process and then
 * resumes the rest, which run on (measured: a paused writer wrote 297 more lines) until the namespace
 * ends, long enough for a backend to commit a queued write and answer it. Returns how many it killed
 * (none without the permission to signal them, e.g. another user's processes).
 */
export async function killFrozenProcesses(container: string): Promise<number> {
  const listed = await docker(['top', container, '-eo', 'pid']).catch(() => '');
  let killed = 0;
  for (const pid of listed.split('\n').slice(1).map(Number)) {
    if (!(pid > 0)) continue;
    try {
      process.kill(pid, 'SIGKILL');
      killed += 1;
    } catch {
      // Another user's process, or gone already.
    }
  }
  return killed;
}
