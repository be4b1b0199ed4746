import type { ContainerRuntimeClient } from 'testcontainers';
import { GAMEDAY_LABEL } from '../containers/docker-cli.ts';

/**
 * Removes every container (with its anonymous volumes) and network labelled with this stack id,
 * through the engine's API as testcontainers reaches it (a CI job may have no docker CLI). With Ryuk
 * off, this is how nothing is left behind: at `down()`, and after a killed harness. Returns how many.
 */
export async function removeLabelledResources(
  client: ContainerRuntimeClient,
  stackId: string,
): Promise<number> {
  const dockerode = client.container.dockerode;
  const filters = { label: [`${GAMEDAY_LABEL}=${stackId}`] };
  const containers = await dockerode.listContainers({ all: true, filters });
  await Promise.all(
    containers.map((found) =>
      dockerode
        .getContainer(found.Id)
        .remove({ force: true, v: true })
        .catch((error: { statusCode?: number }) => {
          // Already gone (removed by a stop under way): nothing left to do.
          if (error.statusCode !== 404 && error.statusCode !== 409) throw error;
        }),
    ),
  );
  const networks = await dockerode.listNetworks({ filters });
  for (const network of networks) await dockerode.getNetwork(network.Id).remove();
  return containers.length + networks.length;
}
