import type { ContainerRuntimeClient } from 'testcontainers';
import { GenericContainer, ImageName } from 'testcontainers';
import { StackUnavailableError } from '../../core/errors.ts';
import { BACKEND_BUILD_CONTEXT } from '../reference-backend.ts';

/** The images the testcontainers stack runs. */
export interface StackImages {
  /** PostgreSQL with the official image's entrypoint contract (primary and replica). */
  postgres: string;
  /** Toxiproxy, or anything serving its HTTP API with its flags. */
  toxiproxy: string;
  /** The Node image fixtures/Dockerfile builds the backend on (unused when `backend` is given). */
  node: string;
  /** The backend's image, if the user names one; otherwise it is built from fixtures/Dockerfile. */
  backend?: string;
}

/**
 * What users pull, as docker-compose.yml names them; each is overridable by the same variable as
 * there. Without a registry, `gameday images --compose` builds stand-ins and prints those variables.
 */
export const PULLED_IMAGES = {
  postgres: 'postgres:16-bookworm',
  toxiproxy: 'ghcr.io/shopify/toxiproxy:2.9.0',
  node: 'node:20-bookworm-slim',
} as const;

/** The backend image built from fixtures/Dockerfile (rebuilt from Docker's cache in seconds). */
export const BUILT_BACKEND_IMAGE = 'gameday-chat-backend:testcontainers';

/** The images to run: given ones first, then GAMEDAY_*_IMAGE, then what users pull. */
export function stackImages(given: Partial<StackImages> = {}): StackImages {
  const env = process.env;
  const backend = given.backend ?? env.GAMEDAY_BACKEND_IMAGE;
  return {
    postgres: given.postgres ?? env.GAMEDAY_POSTGRES_IMAGE ?? PULLED_IMAGES.postgres,
    toxiproxy: given.toxiproxy ?? env.GAMEDAY_TOXIPROXY_IMAGE ?? PULLED_IMAGES.toxiproxy,
    node: given.node ?? env.GAMEDAY_NODE_IMAGE ?? PULLED_IMAGES.node,
    ...(backend ? { backend } : {}),
  };
}

const VARIABLES: Record<keyof StackImages, string> = {
  postgres: 'GAMEDAY_POSTGRES_IMAGE',
  toxiproxy: 'GAMEDAY_TOXIPROXY_IMAGE',
  node: 'GAMEDAY_NODE_IMAGE',
  backend: 'GAMEDAY_BACKEND_IMAGE',
};

/**
 * Before anything starts: every image the stack needs is in Docker's store, or is pulled now. One that
 * is neither is named, with the variable that chooses another and how to build stand-ins here.
 */
export async function ensureImages(
  client: ContainerRuntimeClient,
  images: StackImages,
  progress: (line: string) => void,
): Promise<void> {
  const needed = (['postgres', 'toxiproxy', images.backend ? 'backend' : 'node'] as const).map(
    (role) => [role, images[role]!] as const,
  );
  const problems: string[] = [];
  for (const [role, image] of needed) {
    const name = ImageName.fromString(image);
    if (await client.image.exists(name)) continue;
    progress(`pulling ${image}`);
    try {
      await client.image.pull(name);
    } catch (error) {
      const why = (error as Error).message.split('\n')[0];
      problems.push(
        `${image} (${role}, ${VARIABLES[role]}): not in Docker's image store and cannot be pulled: ${why}`,
      );
    }
  }
  if (problems.length > 0)
    throw new StackUnavailableError(
      `the testcontainers stack cannot start without its images:\n${problems.map((p) => `  - ${p}`).join('\n')}\nWithout a registry, \`npx gameday images --compose\` builds stand-ins here and prints the GAMEDAY_*_IMAGE settings that choose them (\`export $(npx gameday images --compose)\`).`,
    );
}

/** The backend's image: the one the user named, or fixtures/Dockerfile built on the Node image. */
export async function backendImage(images: StackImages, progress: (line: string) => void): Promise<string> {
  if (images.backend) return images.backend;
  progress(`building ${BUILT_BACKEND_IMAGE} from fixtures/Dockerfile on ${images.node}`);
  await GenericContainer.fromDockerfile(BACKEND_BUILD_CONTEXT)
    .withBuildArgs({ NODE_IMAGE: images.node })
    .build(BUILT_BACKEND_IMAGE, { deleteOnExit: false });
  return BUILT_BACKEND_IMAGE;
}
