import fs from 'node:fs/promises';
import path from 'node:path';
import { InputError } from '../core/errors.ts';
import { FIS_PLACEHOLDER_CONFIG, type FisExportConfig } from '../fis/templates.ts';
import { templateProblems } from '../fis/validate-template.ts';
import type { RunbookDocument } from '../runbooks/parse-runbook.ts';
import { EmbeddedStack } from '../stack/embedded/embedded-stack.ts';
import type { ExternalConfig } from '../stack/external/external-config.ts';
import { scenarioTemplate } from './fis-plan.ts';
import { fisSettingsOf } from './fis-session.ts';
import { loadScenarios } from './load-scenarios.ts';

export interface ExportFisOptions {
  ids?: string[];
  outDir: string;
  scenariosDir: string;
  runbooks: RunbookDocument;
  /** Targets, role and alarms from this stack config's `fis` section; placeholders without one. */
  stackConfig?: ExternalConfig;
}

export interface ExportedFis {
  files: string[];
  skipped: { id: string; reason: string }[];
}

/**
 * The config a template export fills in: a stack config's AWS targets and role, or the local stack's
 * names when it points at gameday's own endpoint, or placeholders (REPLACE-…) to fill in by hand.
 */
function exportConfig(stackConfig: ExternalConfig | undefined): { config: FisExportConfig; name: string } {
  if (!stackConfig) return { config: FIS_PLACEHOLDER_CONFIG, name: 'the placeholders' };
  const settings = fisSettingsOf(stackConfig);
  return { config: settings.config, name: settings.configName };
}

/**
 * `gameday export fis`: one experiment template per scenario whose faults FIS can inject, as
 * CreateExperimentTemplate takes it (`aws fis create-experiment-template --cli-input-json file://…`),
 * in FIS's units (time scale 1). Every template is checked as FIS checks it before any file is
 * written; a problem names the scenario and the field.
 */
export async function exportFis(options: ExportFisOptions): Promise<ExportedFis> {
  const scenarios = await loadScenarios({
    dir: options.scenariosDir,
    runbooks: options.runbooks,
    ids: options.ids,
    capabilities: EmbeddedStack.capabilities,
    stackKind: 'embedded',
  });
  const { config, name } = exportConfig(options.stackConfig);
  const problems: string[] = [];
  const skipped: ExportedFis['skipped'] = [];
  const templates: { id: string; template: unknown }[] = [];
  for (const resolved of scenarios) {
    const { id, file } = resolved.scenario;
    const exported = scenarioTemplate(resolved, config, { timeScale: 1 });
    if (exported.status === 'no-equivalent') {
      if (options.ids?.includes(id))
        problems.push(`${file}: fault: FIS has no equivalent (${exported.reason})`);
      else skipped.push({ id, reason: exported.reason });
    } else if (exported.status === 'needs-config') {
      problems.push(...exported.problems.map((p) => `${name}: fis: ${id} needs ${p}`));
    } else {
      for (const problem of templateProblems(exported.template))
        problems.push(
          `${file}: fault: FIS would refuse the template (${problem.type}): ${problem.message} (from ${name})`,
        );
      templates.push({ id, template: exported.template });
    }
  }
  if (problems.length === 0 && templates.length === 0)
    problems.push(
      `none of the scenarios has a FIS equivalent (${skipped.map((s) => `${s.id}: ${s.reason}`).join('; ')})`,
    );
  if (problems.length > 0) throw new InputError(problems);
  await fs.mkdir(options.outDir, { recursive: true });
  const files: string[] = [];
  for (const { id, template } of templates) {
    const file = path.join(options.outDir, `${id}.json`);
    await fs.writeFile(file, `${JSON.stringify(template, null, 2)}\n`);
    files.push(file);
  }
  return { files, skipped };
}
