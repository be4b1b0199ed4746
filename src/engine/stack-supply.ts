import { StackUnavailableError } from '../core/errors.ts';
import { containersOption } from '../stack/containers/base-image.ts';
import { EmbeddedStack } from '../stack/embedded/embedded-stack.ts';
import type { ExternalConfig } from '../stack/external/external-config.ts';
import { ExternalStack } from '../stack/external/external-stack.ts';
import type { Stack } from '../stack/stack.ts';
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
