import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Launcher } from '../launcher.ts';
import { docker, GAMEDAY_LABEL, killFrozenProcesses } from './docker-cli.ts';

const PROJECT_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/**
 * Runs each stack process in its own container of `image`, attached (`docker run --rm`), so its output
 * and exit reach the caller as a child process's would. The container shares the host's network
 * namespace, so the stack's loopback ports and the load generator's 127.0.0.x source addresses work
 * as on the embedded stack; it sees only what is mounted: this Node, the project (read-only), the
 * stack's own directory and the user database (PostgreSQL looks its user up). Signals go to the
 * container through `docker kill`, so a stop or a crash is the container's.
 */
export function containerLauncher(options: { stackId: string; image: string; stackRoot: string }): Launcher {
  let serial = 0;
  const names = new WeakMap<ChildProcess, string>();
  const named = (child: ChildProcess) => {
    const name = names.get(child);
    if (!name) throw new Error('this process was not started in a container');
    return name;
  };
  return {
    // The cgroup freezer: every process in the container stops at once, its sockets stay open.
    freeze: async (child) => void (await docker(['pause', named(child)])),
    thaw: async (child) => void (await docker(['unpause', named(child)])),
    endFrozen: async (child) => {
      const container = named(child);
      const killed = await killFrozenProcesses(container);
      // With every process dead the container may be gone before this: that is the goal, not an error.
      await docker(['kill', '--signal', 'KILL', container]).catch((error: Error) => {
        if (killed === 0) throw error;
      });
    },
    launch(name, command, args, { env, stdio, owner, memoryLimitMb }) {
      serial += 1;
      const container = `${options.stackId}-${name}-${serial}`.replace(/[^a-zA-Z0-9_.-]/g, '-');
      const passed = Object.keys(env).filter(
        (key) => env[key] !== undefined && key !== 'HOME' && !key.startsWith('npm_'),
      );
      const mounts = [
        `type=bind,source=${process.execPath},target=${process.execPath},readonly`,
        `type=bind,source=${PROJECT_ROOT},target=${PROJECT_ROOT},readonly`,
        `type=bind,source=${options.stackRoot},target=${options.stackRoot}`,
        'type=bind,source=/etc/passwd,target=/etc/passwd,readonly',
        'type=bind,source=/etc/group,target=/etc/group,readonly',
      ];
      const dockerArgs = [
        'run',
        '--rm',
        '--init',
        '--network',
        'host',
        '--sig-proxy=false',
        '--name',
        container,
        '--label',
        `${GAMEDAY_LABEL}=${options.stackId}`,
        '--label',
        `io.gameday.process=${name}`,
        '--workdir',
        PROJECT_ROOT,
        ...mounts.flatMap((mount) => ['--mount', mount]),
        ...(owner ? ['--user', `${owner.uid}:${owner.gid}`] : []),
        // No swap beyond the limit: reaching it is an OOM kill, as for a pod.
        ...(memoryLimitMb ? ['--memory', `${memoryLimitMb}m`, '--memory-swap', `${memoryLimitMb}m`] : []),
        // Only what the process was given, not this shell's environment; named here, the values
        // passed through docker's own environment, so no password shows in a process list.
        ...passed.flatMap((key) => ['--env', key]),
        options.image,
        command,
        ...args,
      ];
      const child = spawn('docker', dockerArgs, { stdio, env: { ...process.env, ...env } });
      names.set(child, container);
      child.kill = (signal: NodeJS.Signals | number = 'SIGTERM') => {
        execFile('docker', ['kill', '--signal', String(signal), container], () => undefined);
        return true;
      };
      return child;
    },
  };
}
