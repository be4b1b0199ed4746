import path from 'node:path';
import type { Command } from 'commander';
import { InputError } from '../core/errors.ts';
import { toPrometheusRule } from '../detection/alert-rule.ts';
import { exportFis } from '../engine/export-fis.ts';
import { loadScenarios } from '../engine/load-scenarios.ts';
import { DEFAULT_RUNBOOK, DEFAULT_SCENARIOS_DIR } from '../engine/run-game-day.ts';
import { exportK6 } from '../k6/export-k6.ts';
import { readRunbook } from '../runbooks/parse-runbook.ts';
import { EmbeddedStack } from '../stack/embedded/embedded-stack.ts';
import { readExternalConfig } from '../stack/external/external-config.ts';
import { SEED_PASSWORD } from '../stack/reference-backend.ts';

/** YAML for a Prometheus rule file; the values are plain strings and numbers, quoted as JSON strings. */
function toYaml(rules: Record<string, unknown>[]): string {
  const lines = ['groups:', '  - name: gameday', '    rules:'];
  for (const rule of rules) {
    lines.push(`      - alert: ${rule.alert}`);
    lines.push(`        expr: ${JSON.stringify(rule.expr)}`);
    lines.push(`        for: ${rule.for}`);
    for (const key of ['labels', 'annotations'] as const) {
      lines.push(`        ${key}:`);
      for (const [name, value] of Object.entries(rule[key] as Record<string, string>)) {
        lines.push(`          ${name}: ${JSON.stringify(value)}`);
      }
    }
  }
  return `${lines.join('\n')}\n`;
}

interface ExportFlags {
  runbook: string;
  scenarios: string;
  out?: string;
  target: string;
  timeScale: string;
  parallelism: string;
  password?: string;
  stackConfig?: string;
}

const WHAT = ['rules', 'k6', 'fis'] as const;

/** `gameday export rules|k6|fis`: what gameday knows, in the form other tools read. */
export function registerExportCommand(program: Command): void {
  program
    .command('export')
    .description(
      'export the alert rules as a Prometheus rule file (runbook time), the scenarios’ traffic as k6 scripts, or their faults as AWS FIS experiment templates',
    )
    .argument('<what>', WHAT.join(' | '))
    .argument('[ids...]', 'scenario ids (k6, fis; default: every scenario)')
    .option('--runbook <file>', 'runbook document', DEFAULT_RUNBOOK)
    .option('--scenarios <dir>', 'scenario directory', DEFAULT_SCENARIOS_DIR)
    .option('--out <dir>', 'k6, fis: where the files go (default k6/ or fis/)')
    .option(
      '--stack-config <file>',
      "fis: the role, targets and alarms of the stack config's fis section (default: REPLACE-… placeholders)",
    )
    .option(
      '--target <url>',
      'k6: the backend the scripts load (k6 -e TARGET=… overrides it)',
      'http://127.0.0.1:3000',
    )
    .option('--time-scale <n>', 'k6: divide the runbook durations by n (1: real time)', '1')
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
      const scenarios = await loadScenarios({
        dir: path.resolve(flags.scenarios),
        runbooks: await readRunbook(path.resolve(flags.runbook)),
        capabilities: EmbeddedStack.capabilities,
        stackKind: 'embedded',
      });
      const unique = new Map(scenarios.map(({ rule }) => [rule.name, toPrometheusRule(rule)]));
      process.stdout.write(toYaml([...unique.values()]));
    });
}
