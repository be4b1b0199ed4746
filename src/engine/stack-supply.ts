import { StackUnavailableError } from '../core/errors.ts';
import { containersOption } from '../stack/containers/base-image.ts';
import { EmbeddedStack } from '../stack/embedded/embedded-stack.ts';
import type { ExternalConfig } from '../stack/external/external-config.ts';
import { ExternalStack } from '../stack/external/external-stack.ts';
import type { SeedPreset } from '../stack/reference-backend.ts';
import type { Stack } from '../stack/stack.ts';
import type { TestcontainersStack } from '../stack/testcontainers/testcontainers-stack.ts';
import type { ResolvedScenario } from './resolve-scenario.ts';

/**
 * Where a game day gets the stack for each scenario. A stack gameday starts (embedded, containers) is
 * started with the scenario's settings, and replaced when they change or the scenario used it up; a
 * stack someone else runs (external) is the same stack throughout, rolled to the scenario's settings
 * and reset (its own command) after a scenario that used it up.
 */
export interface StackSupply {
  forScenario(resolved: ResolvedScenario): Promise<Stack>;
  afterScenario(resolved: ResolvedScenario): Promise<void>;
  release(): Promise<void>;
}

/** The backend settings every stack gets for a scenario, beneath the scenario's own. */
type BaseEnv = Record<string, string>;

/** Scenarios with the same signature can share a stack as it is set up. */
export function stackSignature(resolved: ResolvedScenario): string {
  const { disposable: _disposable, ...config } = resolved.scenario.stack ?? {};
  return JSON.stringify(config);
}

function unavailable(kind: string, error: unknown): StackUnavailableError {
  if (error instanceof StackUnavailableError) return error;
  return new StackUnavailableError(`the ${kind} stack could not start: ${(error as Error).message}`, {
    cause: error,
  });
}

export function startedStacks(
  kind: 'embedded' | 'containers',
  baseEnv: BaseEnv,
  progress: (line: string) => void,
): StackSupply {
  let stack: Stack | undefined;
  let current: string | undefined;
  let containers: { image: string } | undefined;
  return {
    async forScenario(resolved) {
      if (stack && current === stackSignature(resolved)) return stack;
      await stack?.down();
      stack = undefined;
      const config = resolved.scenario.stack ?? {};
      try {
        if (kind === 'containers')
          containers ??= await containersOption((line) => progress(`images: ${line}`));
        stack = await EmbeddedStack.up({
          ...(containers ? { containers } : {}),
          replicas: config.replicas ?? 2,
          release: config.release,
          seed: config.seed,
          backendMemoryMb: config.backendMemoryMb,
          maxConnections: config.maxConnections,
          backendEnv: { ...baseEnv, ...config.env },
          onProgress: (line) => progress(`stack: ${line}`),
        });
      } catch (error) {
        throw unavailable(kind, error);
      }
      current = stackSignature(resolved);
      return stack;
    },
    async afterScenario(resolved) {
      if (!resolved.scenario.stack?.disposable) return;
      await stack?.down();
      stack = undefined;
    },
    async release() {
      await stack?.down();
      stack = undefined;
    },
  };
}

export function externalStack(
  config: ExternalConfig,
  baseEnv: BaseEnv,
  progress: (line: string) => void,
): StackSupply {
  let stack: ExternalStack | undefined;
  let current: string | undefined;
  return {
    async forScenario(resolved) {
      if (!stack) {
        await ExternalStack.recoverLeftovers(config, progress);
        stack = await ExternalStack.connect(config).catch((error: unknown) => {
          throw unavailable('external', error);
        });
      }
      if (current !== stackSignature(resolved)) {
        const settings = resolved.scenario.stack ?? {};
        progress('stack: rolling the backend to the scenario’s settings');
        await stack.configure({
          release: settings.release,
          env: { ...baseEnv, ...settings.env },
          ...(settings.replicas === undefined ? {} : { replicas: settings.replicas }),
        });
        current = stackSignature(resolved);
      }
      return stack;
    },
    async afterScenario(resolved) {
      if (!stack || !resolved.scenario.stack?.disposable) return;
      progress('stack: putting the external stack back as new (commands.reset)');
      await stack.reset();
      current = undefined;
    },
    async release() {
      await stack?.down();
      stack = undefined;
    },
  };
}

/**
 * The testcontainers stack: one stack as long as the seed stays the same, rolled to each scenario's
 * settings (release, environment, replicas) as an external stack is, since starting one costs tens of
 * seconds; a new one after a scenario that used it up. The seed is the scenario's, else
 * GAMEDAY_SEED_PRESET (as for docker-compose.yml), else the game-day preset.
 */
export function testcontainersStacks(baseEnv: BaseEnv, progress: (line: string) => void): StackSupply {
  let stack: TestcontainersStack | undefined;
  let seeded: string | undefined;
  const defaultSeed = (process.env.GAMEDAY_SEED_PRESET as SeedPreset | undefined) ?? 'gameday';
  return {
    async forScenario(resolved) {
      const settings = resolved.scenario.stack ?? {};
      const seed = settings.seed ?? defaultSeed;
      if (stack && seeded === seed) {
        progress('stack: rolling the backend to the scenario’s settings');
        await stack.configure({
          release: settings.release,
          env: settings.env ?? {},
          replicas: settings.replicas ?? 2,
        });
        return stack;
      }
      await stack?.down();
      stack = undefined;
      try {
        // Loaded only here: testcontainers brings gRPC and dockerode, which other stacks never need.
        const { TestcontainersStack } = await import('../stack/testcontainers/testcontainers-stack.ts');
        stack = await TestcontainersStack.up({
          seed,
          replicas: settings.replicas ?? 2,
          release: settings.release,
          env: settings.env,
          backendEnv: baseEnv,
          onProgress: (line) => progress(`stack: ${line}`),
        });
      } catch (error) {
        throw unavailable('testcontainers', error);
      }
      seeded = seed;
      return stack;
    },
    async afterScenario(resolved) {
      if (!resolved.scenario.stack?.disposable) return;
      await stack?.down();
      stack = undefined;
    },
    async release() {
      await stack?.down();
      stack = undefined;
    },
  };
}
