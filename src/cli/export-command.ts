import fs from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { InputError } from '../core/errors.ts';
import { ruleFile } from '../detection/prometheus-config.ts';
import { exportFis } from '../engine/export-fis.ts';
import { loadScenarios } from '../engine/load-scenarios.ts';
import type { GameDayResult } from '../engine/result.ts';
import { DEFAULT_RUNBOOK, DEFAULT_SCENARIOS_DIR } from '../engine/run-game-day.ts';
import { exportK6 } from '../k6/export-k6.ts';
import { ruleTests } from '../reporting/rule-tests.ts';
import { readRunbook } from '../runbooks/parse-runbook.ts';
import { EmbeddedStack } from '../stack/embedded/embedded-stack.ts';
import { readExternalConfig } from '../stack/external/external-config.ts';
import { SEED_PASSWORD } from '../stack/reference-backend.ts';

interface ExportFlags {
  runbook: string;
  scenarios: string;
  out?: string;
  target: string;
  timeScale: string;
  parallelism: string;
  password?: string;
  report?: string;
  stackConfig?: string;
}

const WHAT = ['rules', 'rule-tests', 'k6', 'fis'] as const;

/** `gameday export rules|k6|fis`: what gameday knows, in the form other tools read. */
export function registerExportCommand(program: Command): void {
  program
    .command('export')
    .description(
      'export the alert rules as a Prometheus rule file, recorded runs as promtool rule tests, the scenarios’ traffic as k6 scripts, or their faults as AWS FIS experiment templates',
    )
    .argument('<what>', WHAT.join(' | '))
    .argument('[ids...]', 'scenario ids (k6, fis; default: every scenario)')
    .option('--runbook <file>', 'runbook document', DEFAULT_RUNBOOK)
    .option('--scenarios <dir>', 'scenario directory', DEFAULT_SCENARIOS_DIR)
    .option('--out <dir>', 'k6, rule-tests, fis: where the files go (default k6/, rule-tests/, fis/)')
    .option(
      '--report <file>',
      'rule-tests: the recorded run (report.json)',
      path.join('reports', 'latest', 'report.json'),
    )
    .option(
      '--stack-config <file>',
      "fis: the role, targets and alarms of the stack config's fis section (default: REPLACE-… placeholders)",
    )
    .option(
      '--target <url>',
      'k6: the backend the scripts load (k6 -e TARGET=… overrides it)',
      'http://127.0.0.1:3000',
    )
    .option(
      '--time-scale <n>',
      'k6, rules: divide the runbook durations by n (1: runbook time, as a team deploys the rules)',
      '1',
    )
    .option('--parallelism <n>', 'k6: runners in each k6-operator TestRun', '1')
    .option(
      '--password <password>',
      'k6: the seeded users’ password baked into the scripts (default: the reference backend’s)',
    )
    .action(async (what: string, ids: string[], flags: ExportFlags) => {
      if (what === 'k6') {
        const written = await exportK6({
          ids,
          outDir: path.resolve(flags.out ?? 'k6'),
          target: flags.target,
          timeScale: Number(flags.timeScale),
          parallelism: Number(flags.parallelism),
          password: flags.password ?? SEED_PASSWORD,
          scenariosDir: path.resolve(flags.scenarios),
          runbookFile: path.resolve(flags.runbook),
        });
        process.stdout.write(`${written.files.length} files in ${written.outDir}\n`);
        return;
      }
      if (what === 'rule-tests') {
        const written = await exportRuleTests(
          path.resolve(flags.report!),
          path.resolve(flags.out ?? 'rule-tests'),
        );
        process.stdout.write(
          `${written.files} promtool rule tests (${written.assertions} alert states) in ${written.outDir}; run: promtool test rules ${path.join(written.outDir, '*.test.yml')}\n`,
        );
        return;
      }
      if (what === 'fis') {
        const exported = await exportFis({
          ids,
          outDir: path.resolve(flags.out ?? 'fis'),
          scenariosDir: path.resolve(flags.scenarios),
          runbooks: await readRunbook(path.resolve(flags.runbook)),
          ...(flags.stackConfig
            ? { stackConfig: await readExternalConfig(path.resolve(flags.stackConfig)) }
            : {}),
        });
        for (const { id, reason } of exported.skipped)
          process.stderr.write(`${id}: skipped, FIS has no equivalent (${reason})\n`);
        process.stdout.write(
          `${exported.files.length} experiment templates in ${path.resolve(flags.out ?? 'fis')}\n`,
        );
        return;
      }
      if (what !== 'rules')
        throw new InputError([`export: unknown "${what}"; use one of: ${WHAT.join(', ')}`]);
      const timeScale = Number(flags.timeScale);
      if (!(timeScale > 0))
        throw new InputError([`--time-scale: expected a number > 0, got "${flags.timeScale}"`]);
      const scenarios = await loadScenarios({
        dir: path.resolve(flags.scenarios),
        runbooks: await readRunbook(path.resolve(flags.runbook)),
        capabilities: EmbeddedStack.capabilities,
        stackKind: 'embedded',
      });
      process.stdout.write(
        ruleFile(
          scenarios.flatMap(({ alerts }) => alerts.map(({ rule }) => rule)),
          { scale: (ms) => ms / timeScale },
        ),
      );
    });
}

/** Writes one promtool test (and its rule file) per scenario of a recorded run. */
async function exportRuleTests(reportFile: string, outDir: string) {
  let result: GameDayResult;
  try {
    result = JSON.parse(await fs.readFile(reportFile, 'utf8')) as GameDayResult;
  } catch (error) {
    throw new InputError([
      `--report ${reportFile}: ${(error as Error).message}; give the report.json of a recorded run (reports/<run-id>/report.json)`,
    ]);
  }
  if (!Array.isArray(result.scenarios) || typeof result.timeScale !== 'number')
    throw new InputError([`--report ${reportFile}: not a gameday report.json (no scenarios or timeScale)`]);
  const files = ruleTests(result);
  await fs.mkdir(outDir, { recursive: true });
  for (const file of files) {
    await fs.writeFile(path.join(outDir, file.name), file.test);
    await fs.writeFile(path.join(outDir, file.name.replace(/\.test\.yml$/, '.rules.yml')), file.rules);
  }
  return { outDir, files: files.length, assertions: files.reduce((n, file) => n + file.assertions, 0) };
}
