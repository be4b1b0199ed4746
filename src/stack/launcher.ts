import { type ChildProcess, type SpawnOptions, spawn } from 'node:child_process';
import { freezeTree, signalTree } from './process-tree.ts';
import { lowerToStackPriority } from './stack-priority.ts';

export interface LaunchOptions {
  env: NodeJS.ProcessEnv;
  stdio: SpawnOptions['stdio'];
  /** Runs as this OS user (PostgreSQL refuses root). */
  owner?: { uid: number; gid: number };
  /**
   * The process's memory limit (a Kubernetes memory limit): a container's cgroup limit, so the kernel
   * OOM-kills it; here, V8's heap limit, the nearest a plain process has (it aborts out of memory).
   */
  memoryLimitMb?: number;
}

/**
 * Starts one process of a stack: here, as a child process, or inside a container. Whatever starts it,
 * the caller gets a ChildProcess: its output, its exit, and `kill(signal)` reaching the process.
 */
export interface Launcher {
  launch(name: string, command: string, args: string[], options: LaunchOptions): ChildProcess;
  /** Stops the launched process and everything it started, without ending them: a hang. */
  freeze(child: ChildProcess): Promise<void>;
  thaw(child: ChildProcess): Promise<void>;
  /**
   * Ends a frozen process and everything it started, each taking `signal` before it runs anything
   * else: nothing queued on it is carried out (a fence). Here the signal goes to every process, then
   * they are thawed; in a paused container every process takes SIGKILL from the host while frozen,
   * whatever `signal` says (a frozen task takes no other signal before it runs again).
   */
  endFrozen(child: ChildProcess, signal: NodeJS.Signals): Promise<void>;
}

export const localLauncher: Launcher = {
  launch: (_name, command, args, { env, stdio, owner, memoryLimitMb }) => {
    const child = spawn(command, args, {
      env: memoryLimitMb
        ? { ...env, NODE_OPTIONS: `${env.NODE_OPTIONS ?? ''} --max-old-space-size=${memoryLimitMb}`.trim() }
        : env,
      stdio,
      ...(owner ?? {}),
    });
    if (child.pid) lowerToStackPriority(child.pid);
    return child;
  },
  freeze: async (child) => {
    if (child.pid) await freezeTree(child.pid);
  },
  thaw: async (child) => {
    if (child.pid) await signalTree(child.pid, 'SIGCONT');
  },
  // A stopped process takes a pending signal before it runs its own code again; the tree is read
  // while it is frozen (nothing forks).
  endFrozen: async (child, signal) => {
    if (!child.pid) return;
    await signalTree(child.pid, signal);
    await signalTree(child.pid, 'SIGCONT');
  },
};
