import { type ContainerRuntimeClient, getContainerRuntimeClient } from 'testcontainers';
import { DockerUnavailableError } from '../containers/docker-cli.ts';

/**
 * The Docker engine as testcontainers reaches it (DOCKER_HOST, ~/.testcontainers.properties, the
 * socket). Ryuk, testcontainers' reaper, is an image pulled from a registry, which gameday cannot count
 * on; it is off unless the user turned it on, and gameday removes what it made by its label instead.
 */
export async function dockerEngine(): Promise<ContainerRuntimeClient> {
  process.env.TESTCONTAINERS_RYUK_DISABLED ??= 'true';
  let client: ContainerRuntimeClient;
  try {
    client = await getContainerRuntimeClient();
  } catch (error) {
    throw new DockerUnavailableError((error as Error).message.split('\n')[0] ?? String(error));
  }
  const host = client.info.containerRuntime.host;
  if (host !== 'localhost' && host !== '127.0.0.1')
    throw new DockerUnavailableError(
      `the engine testcontainers found runs on ${host}, and the testcontainers stack publishes its ports on this machine's loopback; point DOCKER_HOST at an engine here`,
    );
  return client;
}
