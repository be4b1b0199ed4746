import fs from 'node:fs';
import { type ContainerRuntimeClient, getContainerRuntimeClient } from 'testcontainers';
import { DockerUnavailableError } from '../containers/docker-cli.ts';

/**
 * The Docker engine as testcontainers reaches it (DOCKER_HOST, ~/.testcontainers.properties, the
 * socket). Ryuk, testcontainers' reaper, is an image pulled from a registry, which gameday cannot count
 * on; it is off unless the user turned it on, and gameday removes what it made by its label instead.
 */
export async function dockerEngine(): Promise<ContainerRuntimeClient> {
  process.env.TESTCONTAINERS_RYUK_DISABLED ??= 'true';
  // testcontainers takes a /.dockerenv file to mean "inside a container" and reaches the engine's ports
  // through the bridge's gateway; a machine that is itself a container but runs its own dockerd
  // publishes them on its own loopback.
  if (!process.env.DOCKER_HOST?.startsWith('tcp:') && dockerdRunsHere())
    process.env.TESTCONTAINERS_HOST_OVERRIDE ??= 'localhost';
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

/** The engine on the default socket is a dockerd process this machine runs (not a host's, mounted in). */
function dockerdRunsHere(): boolean {
  try {
    const pid = fs.readFileSync('/var/run/docker.pid', 'utf8').trim();
    return fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'dockerd';
  } catch {
    return false;
  }
}
