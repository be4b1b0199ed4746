import { PostgreSqlContainer } from '@testcontainers/postgresql';
import { GenericContainer } from 'testcontainers';

/** Each published port listens on 127.0.0.1 only (testcontainers leaves the address empty: all). */
function onLoopback(hostConfig: { PortBindings?: Record<string, { HostIp?: string }[]> }): void {
  for (const bindings of Object.values(hostConfig.PortBindings ?? {}))
    for (const binding of bindings) binding.HostIp = '127.0.0.1';
}

/**
 * A container whose published ports listen on 127.0.0.1 only: a stack's database with its superuser
 * password is nobody else's business. Ports are chosen by gameday and fixed, so a container stopped
 * and started again, or cut off its network and attached again, is found where it was.
 */
export class LoopbackContainer extends GenericContainer {
  protected override async beforeContainerCreated(): Promise<void> {
    onLoopback(this.hostConfig);
  }
}

/** @testcontainers/postgresql's container, its ports on 127.0.0.1 only (see LoopbackContainer). */
export class LoopbackPostgreSqlContainer extends PostgreSqlContainer {
  protected override async beforeContainerCreated(): Promise<void> {
    onLoopback(this.hostConfig);
  }
}
