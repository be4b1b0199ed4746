import type { Command } from 'commander';
import { formatMs } from '../core/format.ts';
import { containersOption } from '../stack/containers/base-image.ts';
import { ensureComposeStandIns } from '../stack/containers/compose-images.ts';

/**
 * `gameday images`: makes the container images the containers stack runs, here, without a registry
 * (CI runs it before the tests, so no test pays for the build). With --compose, also stand-ins for the
 * images docker-compose.yml and the testcontainers stack pull, and the settings that select them.
 */
export function registerImagesCommand(program: Command): void {
  program
    .command('images')
    .description('build (or reuse) the container images of the containers stack')
    .option(
      '--compose',
      'also build stand-ins for the images docker-compose.yml and --stack testcontainers pull, and print their settings',
    )
    .action(async (options: { compose?: boolean }) => {
      const started = Date.now();
      const progress = (line: string) => process.stderr.write(`images: ${line}\n`);
      const { image } = await containersOption(progress);
      process.stderr.write(`images: ${image} ready in ${formatMs(Date.now() - started)}\n`);
      if (!options.compose) return;
      const settings = await ensureComposeStandIns(progress);
      process.stderr.write(`images: compose stand-ins ready in ${formatMs(Date.now() - started)}\n`);
      // On stdout, for `export $(npx gameday images --compose)` or `>> .env` beside docker-compose.yml.
      for (const [name, value] of Object.entries(settings)) process.stdout.write(`${name}=${value}\n`);
    });
}
