import { InputError } from '../core/errors.ts';
import { backendEnvFor } from '../engine/run-game-day.ts';
import { containersOption } from '../stack/containers/base-image.ts';
import { EmbeddedStack } from '../stack/embedded/embedded-stack.ts';
import { readExternalConfig } from '../stack/external/external-config.ts';
import { ExternalStack } from '../stack/external/external-stack.ts';
import { assertLoopbackTargets } from '../stack/loopback-guard.ts';
import type { Stack, StackKind } from '../stack/stack.ts';
import type { StackImages } from '../stack/testcontainers/stack-images.ts';
import { TestcontainersStack } from '../stack/testcontainers/testcontainers-stack.ts';

export interface TestStackOptions {
  /**
   * Where the system under test runs: testcontainers (the default; a Docker engine), containers
   * (each process in a container on the host's network), embedded (child processes here, no Docker)
   * or external (a stack someone else runs, described by `stackConfig`).
   */
  stack?: StackKind;
  /** The external stack's config file (as `--stack-config`). */
  stackConfig?: string;
  /** Seed size (default tiny: a test needs users and conversations, not a million messages). */
  seed?: 'tiny' | 'gameday';
  /** Backend replicas (default 1). */
  replicas?: number;
  /** The release deployed first (default 1.4.2). */
  release?: string;
  /** The backend's own environment (DATABASE_POOL_MAX, …). */
  env?: Record<string, string>;
  /** Divides every runbook duration (alert windows, "sustained" periods) by this (default 60). */
  timeScale?: number;
  /** testcontainers: images instead of GAMEDAY_*_IMAGE or what users pull; `backend` names your own. */
  images?: Partial<StackImages>;
  /** How often the stack's metrics are scraped (ms, default 250). */
  scrapeIntervalMs?: number;
  /** The runbook document whose alerts and targets scenarios take (default gameday's reference runbook). */
  runbook?: string;
  /** Where `runScenario(id)` finds scenario files (default gameday's own scenarios). */
  scenarios?: string;
  /** Allow faults against hosts that are not this machine (an external stack elsewhere). */
  allowRemoteTargets?: boolean;
  /** Progress lines (stack start-up, faults, reverts); default: none. */
  onProgress?: (line: string) => void;
}

/** Starts (or, for an external one, attaches to) the stack a test file runs against. */
export async function startTestStack(options: TestStackOptions): Promise<Stack> {
  const kind = options.stack ?? 'testcontainers';
  const progress = options.onProgress ?? (() => undefined);
  const timeScale = options.timeScale ?? 60;
  const problems: string[] = [];
  if (!['embedded', 'containers', 'testcontainers', 'external'].includes(kind))
    problems.push(`stack: expected embedded, containers, testcontainers or external, got "${kind}"`);
  if (!(timeScale > 0)) problems.push(`timeScale: expected a number > 0, got ${timeScale}`);
  if (kind === 'external' && !options.stackConfig)
    problems.push('stackConfig: required with stack: "external" (the file `--stack-config` takes)');
  if (options.replicas !== undefined && !(Number.isInteger(options.replicas) && options.replicas >= 1))
    problems.push(`replicas: expected a whole number ≥ 1, got ${options.replicas}`);
  if (problems.length > 0) throw new InputError(problems);
  const backendEnv = backendEnvFor(timeScale);
  const settings = {
    seed: options.seed ?? 'tiny',
    replicas: options.replicas ?? 1,
    release: options.release,
  } as const;
  let stack: Stack;
  if (kind === 'external') {
    const config = await readExternalConfig(options.stackConfig!);
    assertLoopbackTargets(ExternalStack.endpointsOf(config), options.allowRemoteTargets ?? false);
    await ExternalStack.recoverLeftovers(config, progress);
    const external = await ExternalStack.connect(config);
    await external.configure({ release: settings.release, env: { ...backendEnv, ...options.env } });
    stack = external;
  } else if (kind === 'testcontainers') {
    stack = await TestcontainersStack.up({
      ...settings,
      env: options.env,
      backendEnv,
      images: options.images,
      onProgress: progress,
    });
  } else {
    const containers = kind === 'containers' ? await containersOption(progress) : undefined;
    stack = await EmbeddedStack.up({
      ...settings,
      ...(containers ? { containers } : {}),
      backendEnv: { ...backendEnv, ...options.env },
      onProgress: progress,
    });
  }
  try {
    assertLoopbackTargets(stack.endpoints, options.allowRemoteTargets ?? false);
  } catch (error) {
    await stack.down();
    throw error;
  }
  return stack;
}
