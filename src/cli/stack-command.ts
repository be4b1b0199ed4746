import type { Command } from 'commander';
import { InputError } from '../core/errors.ts';
import { sleep } from '../core/wait.ts';
import { LocalFisExecutor } from '../faults/fis/local-executor.ts';
import { LOCAL_ACCOUNT, DEFAULT_LOCAL_NAMES as NAMES } from '../faults/fis/local-resources.ts';
import { startFisEndpoint } from '../fis/fis-api.ts';
import { containersOption } from '../stack/containers/base-image.ts';
import { EmbeddedStack } from '../stack/embedded/embedded-stack.ts';
import { cleanupLeftover, type StackRecord, stackRegistry } from '../stack/embedded/stack-registry.ts';
import { isSeedPreset, SEED_PRESETS, type SeedPreset } from '../stack/reference-backend.ts';

function positiveInt(flag: string, raw: string, problems: string[]): number {
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1)
    problems.push(`${flag}: expected a whole number ≥ 1, got "${raw}"`);
  return value;
}

function printRecord(record: StackRecord, state: string): void {
  process.stdout.write(
    `stack ${record.id} (${state}, started ${record.createdAt}, harness pid ${record.owner.pid})\n`,
  );
  for (const [name, value] of Object.entries(record.endpoints))
    process.stdout.write(`  ${name.padEnd(28)} ${value}\n`);
  for (const tracked of record.processes)
    process.stdout.write(`  process ${tracked.name.padEnd(20)} pid ${tracked.pid}\n`);
}

/** `gameday stack up|down|status`: the embedded stack by hand. */
export function registerStackCommand(program: Command): void {
  const stack = program
    .command('stack')
    .description('start, inspect and stop the embedded system under test');

  stack
    .command('up')
    .description('start the embedded stack and keep it up until Ctrl-C or `gameday stack down`')
    .option('--replicas <n>', 'backend replicas', '2')
    .option('--seed <preset>', `seed size: ${Object.keys(SEED_PRESETS).join(' | ')}`, 'gameday')
    .option('--release <version>', 'backend release to deploy first', '1.4.2')
    .option(
      '--stack <kind>',
      'embedded (child processes) | containers (one container per process)',
      'embedded',
    )
    .option(
      '--fis-time-scale <n>',
      "divide the FIS endpoint's action durations by n (1: as FIS runs them)",
      '1',
    )
    .action(
      async (options: {
        replicas: string;
        seed: string;
        release: string;
        stack: string;
        fisTimeScale: string;
      }) => {
        const problems: string[] = [];
        const replicas = positiveInt('--replicas', options.replicas, problems);
        const fisTimeScale = Number(options.fisTimeScale);
        if (!(fisTimeScale > 0) || !Number.isFinite(fisTimeScale))
          problems.push(`--fis-time-scale: expected a number > 0, got "${options.fisTimeScale}"`);
        if (!isSeedPreset(options.seed)) {
          problems.push(
            `--seed: unknown preset "${options.seed}"; use ${Object.keys(SEED_PRESETS).join(' or ')}`,
          );
        }
        if (options.stack !== 'embedded' && options.stack !== 'containers')
          problems.push(`--stack: expected embedded or containers, got "${options.stack}"`);
        if (problems.length > 0) throw new InputError(problems);
        const started = performance.now();
        const say = (message: string) =>
          process.stderr.write(
            `[${((performance.now() - started) / 1000).toFixed(1).padStart(5)} s] ${message}\n`,
          );
        const containers = options.stack === 'containers' ? await containersOption(say) : undefined;
        const embedded = await EmbeddedStack.up({
          ...(containers ? { containers } : {}),
          replicas,
          seed: options.seed as SeedPreset,
          release: options.release,
          onProgress: say,
          stopsOnSigterm: true,
        });
        // FIS's API for this stack, so a team can rehearse its own templates here (AWS CLI or SDK).
        const fis = await startFisEndpoint({
          executor: new LocalFisExecutor({ stack: () => embedded, timeScale: fisTimeScale }),
          timeScale: fisTimeScale,
          region: LOCAL_ACCOUNT.region,
          accountId: LOCAL_ACCOUNT.accountId,
        });
        await embedded.announce('FIS API (AWS_ENDPOINT_URL_FIS)', fis.url);
        let stopping = false;
        const stop = async (reason: string, code: number) => {
          if (stopping) return;
          stopping = true;
          say(`${reason}: stopping the stack`);
          // Experiments still running are stopped (their actions undone) while the stack is there.
          await fis.close();
          await embedded.down();
          say('stopped; nothing left behind');
          process.exit(code);
        };
        process.once('SIGINT', () => void stop('interrupted', 0));
        process.once('SIGTERM', () => void stop('asked to stop', 0));
        process.once('uncaughtException', (error) => {
          process.stderr.write(`gameday: ${error.stack ?? error.message}\n`);
          void stop('harness failure', 1);
        });
        say(`stack ${embedded.id} is up`);
        const { endpoints } = embedded;
        const lines = [
          ['front (HTTP + Socket.IO)', endpoints.frontUrl],
          ['fault proxy (Toxiproxy API)', endpoints.proxyApiUrl],
          ['attachment store (via proxy)', endpoints.objectStoreUrl],
          ['database (via proxy)', endpoints.database.appUrl.replace(/:[^:@/]+@/, ':***@')],
          [
            'backend replicas',
            embedded.backend
              .replicas()
              .map((r) => r.url)
              .join(' '),
          ],
          ['FIS API (AWS_ENDPOINT_URL_FIS)', fis.url],
        ];
        for (const [name, value] of lines) process.stdout.write(`  ${String(name).padEnd(30)} ${value}\n`);
        process.stdout.write(
          [
            `FIS targets here (region ${LOCAL_ACCOUNT.region}, any credentials): aws:rds:db ${NAMES.primary};`,
            `aws:ecs:task tag gameday:component=chat-backend (cluster ${NAMES.tasks.cluster});`,
            `aws:eks:pod cluster ${NAMES.pods.clusterIdentifier}, namespace ${NAMES.pods.namespace}, deployment ${NAMES.pods.deployment};`,
            'aws:ec2:subnet tag gameday:subnet=database|replica|backend;',
            `latency sources ${Object.values(NAMES.sources).join(', ')}.\n`,
          ].join(' '),
        );
        process.stdout.write('Press Ctrl-C or run `gameday stack down` to stop.\n');
        await new Promise(() => undefined);
      },
    );

  stack
    .command('status')
    .description('list running stacks (and leftovers of killed ones)')
    .action(async () => {
      const running = await stackRegistry.running();
      const leftovers = await stackRegistry.leftovers();
      if (running.length === 0 && leftovers.length === 0) process.stdout.write('no stack is running\n');
      for (const record of running) printRecord(record, 'running');
      for (const record of leftovers)
        printRecord(record, 'leftover of a killed harness; `gameday stack down` removes it');
    });

  stack
    .command('down')
    .description('stop running stacks (or one by id) and remove leftovers')
    .argument('[id]', 'stack id (default: all)')
    .action(async (id?: string) => {
      const running = (await stackRegistry.running()).filter((r) => !id || r.id === id);
      const leftovers = (await stackRegistry.leftovers()).filter((r) => !id || r.id === id);
      if (id && running.length === 0 && leftovers.length === 0)
        throw new InputError([`stack ${id}: no such stack`]);
      for (const record of running) {
        if (!record.stopsOnSigterm) {
          process.stdout.write(
            `stack ${record.id} belongs to process ${record.owner.pid} (a test or a game-day run); it stops when that process ends\n`,
          );
          continue;
        }
        process.kill(record.owner.pid, 'SIGTERM');
        const deadline = Date.now() + 60_000;
        while (Date.now() < deadline && (await stackRegistry.running()).some((r) => r.id === record.id))
          await sleep(200);
        process.stdout.write(`stopped stack ${record.id}\n`);
      }
      for (const record of leftovers) {
        const report = await cleanupLeftover(record);
        process.stdout.write(
          `removed leftover stack ${report.stack}: stopped ${report.stopped.join(', ') || 'nothing'}; deleted ${report.removed.join(', ') || 'nothing'}\n`,
        );
      }
      if (running.length + leftovers.length === 0) process.stdout.write('no stack to stop\n');
    });
}
