import path from 'node:path';
import type { Command } from 'commander';
import { toPrometheusRule } from '../detection/alert-rule.ts';
import { loadScenarios } from '../engine/load-scenarios.ts';
import { DEFAULT_RUNBOOK, DEFAULT_SCENARIOS_DIR } from '../engine/run-game-day.ts';
import { readRunbook } from '../runbooks/parse-runbook.ts';
import { EmbeddedStack } from '../stack/embedded/embedded-stack.ts';

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

/** `gameday export rules`: the scenarios' alert rules, as the runbook defines them, for Prometheus. */
export function registerExportCommand(program: Command): void {
  program
    .command('export')
    .description('export the alert rules as a Prometheus rule file (runbook time, not scaled)')
    .argument('<what>', 'rules')
    .option('--runbook <file>', 'runbook document', DEFAULT_RUNBOOK)
    .option('--scenarios <dir>', 'scenario directory', DEFAULT_SCENARIOS_DIR)
    .action(async (what: string, flags: { runbook: string; scenarios: string }) => {
      if (what !== 'rules') {
        process.stderr.write(`gameday: export: unknown "${what}"; use \`gameday export rules\`\n`);
        process.exitCode = 2;
        return;
      }
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
