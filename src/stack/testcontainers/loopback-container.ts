import { GenericContainer } from 'testcontainers';

// TypeScript's mixin pattern asks for exactly this constructor signature.
// biome-ignore lint/suspicious/noExplicitAny: the mixin constructor signature
type ContainerClass = new (...args: any[]) => GenericContainer;

/**
 * A container whose published ports listen on 127.0.0.1 only (testcontainers publishes on every
 * address): a stack's database with its superuser password is nobody else's business. Ports are
 * chosen by gameday and fixed, so a container stopped and started again, or cut off its network and
 * attached again, is found where it was.
 */
export function onLoopback<Base extends ContainerClass>(Base: Base) {
  return class extends Base {
    protected override async beforeContainerCreated(): Promise<void> {
      for (const bindings of Object.values(this.hostConfig.PortBindings ?? {}) as { HostIp?: string }[][])
        for (const binding of bindings) binding.HostIp = '127.0.0.1';
    }
  };
}

export const LoopbackContainer = onLoopback(GenericContainer);
