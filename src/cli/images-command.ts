import type { Command } from 'commander';
import { formatMs } from '../core/duration.ts';
import { containersOption } from '../stack/containers/base-image.ts';

/**
 * `gameday images`: makes the container images the containers stack runs, here, without a registry
 * (CI runs it before the tests, so no test pays for the build).
 */
export function registerImagesCommand(program: Command): void {
  program
    .command('images')
    .description('build (or reuse) the container images of the containers stack')
    .action(async () => {
      const started = Date.now();
      const { image } = await containersOption((line) => process.stderr.write(`images: ${line}\n`));
      process.stdout.write(`${image} ready in ${formatMs(Date.now() - started)}\n`);
    });
}
