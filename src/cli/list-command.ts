import path from 'node:path';
import type { Command } from 'commander';
import { formatMs } from '../core/format.ts';
import { loadScenarios } from '../engine/load-scenarios.ts';
import { DEFAULT_RUNBOOK, DEFAULT_SCENARIOS_DIR } from '../engine/run-game-day.ts';
import { readRunbook } from '../runbooks/parse-runbook.ts';
import { EmbeddedStack } from '../stack/embedded/embedded-stack.ts';

/** `gameday list`: every scenario, validated, with its runbook, fault, alert and remedy. */
export function registerListCommand(program: Command): void {
  program
    .command('list')
    .description('list the scenarios (validating them against the runbook)')
    .option('--runbook <file>', 'runbook document (default: the shared one)')
    .option('--scenarios <dir>', 'scenario directory', DEFAULT_SCENARIOS_DIR)
    .action(async (flags: { runbook?: string; scenarios: string }) => {
      const runbooks = await readRunbook(path.resolve(flags.runbook ?? DEFAULT_RUNBOOK));
      const scenarios = await loadScenarios({
        dir: path.resolve(flags.scenarios),
        runbooks,
        capabilities: EmbeddedStack.capabilities,
        stackKind: 'embedded',
        ...(flags.runbook ? { partialRunbook: { onSkip: (line) => process.stderr.write(`${line}\n`) } } : {}),
      });
      for (const { scenario, alerts, faults, remedy, severity } of scenarios) {
        process.stdout.write(
          [
            `${scenario.id}  (runbook ${scenario.runbook.number}, ${severity}) ${scenario.title}`,
            `  fault:  ${faults.map((fault) => (fault.afterMs ? `then after ${formatMs(fault.afterMs)}: ` : '') + fault.description).join(' + ')}`,
            ...alerts.map(
              ({ rule }) =>
                `  alert:  ${rule.name} ${rule.comparator} ${rule.threshold} for ${formatMs(rule.forMs)} (${alerts.length > 1 ? `runbook ${rule.runbook}; ` : ''}${rule.origin})`,
            ),
            `  remedy: ${remedy.map((step) => step.description).join(' → ')}`,
            '',
          ].join('\n'),
        );
      }
    });
}
