import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { SEED_PASSWORD } from '../../fixtures/chat-backend/db/seed.ts';
import { loadScenarios } from '../../src/engine/load-scenarios.ts';
import type { ResolvedScenario } from '../../src/engine/resolve-scenario.ts';
import { exportK6Scripts, writeK6Export } from '../../src/k6/export-k6.ts';
import { readRunbook } from '../../src/runbooks/parse-runbook.ts';
import { EmbeddedStack } from '../../src/stack/embedded/embedded-stack.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const SCENARIOS_DIR = path.join(ROOT, 'scenarios');
export const RUNBOOK = path.join(ROOT, 'fixtures/runbook/chat-backend-runbooks.md');

/** The command k6 uses for TypeScript (shared/notes/real-world-bridges.md §3), k6's own modules left out. */
export const K6_ESBUILD_ARGS = [
  '--bundle',
  '--format=esm',
  '--platform=neutral',
  '--target=es2020',
  '--external:k6',
  '--external:k6/*',
];

export async function bundleLikeK6(script: string): Promise<string> {
  const { stdout } = await promisify(execFile)(
    path.join(ROOT, 'node_modules/.bin/esbuild'),
    [script, ...K6_ESBUILD_ARGS],
    {
      maxBuffer: 16 * 1024 * 1024,
    },
  );
  return stdout;
}

export function resolvedScenarios(ids: string[] = []): Promise<ResolvedScenario[]> {
  return readRunbook(RUNBOOK).then((runbooks) =>
    loadScenarios({
      dir: SCENARIOS_DIR,
      runbooks,
      ids,
      capabilities: EmbeddedStack.capabilities,
      stackKind: 'embedded',
    }),
  );
}

/**
 * A temporary directory that sees the project's node_modules (for @types/k6), as a team's checkout
 * with @types/k6 installed would.
 */
export async function tempExportRoot(): Promise<{ root: string; remove: () => Promise<void> }> {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'gameday-k6-'));
  await fs.symlink(path.join(ROOT, 'node_modules'), path.join(root, 'node_modules'));
  return { root, remove: () => fs.rm(root, { recursive: true, force: true }) };
}

/** Exports `scenarios` into `dir` and bundles the one script asked for, as k6 would load it. */
export async function exportAndBundle(
  scenarios: ResolvedScenario[],
  dir: string,
  options: { timeScale: number; target?: string },
): Promise<string> {
  const files = exportK6Scripts({
    scenarios,
    target: options.target ?? 'http://127.0.0.1:9',
    timeScale: options.timeScale,
    parallelism: 1,
    password: SEED_PASSWORD,
  });
  await writeK6Export(dir, files);
  return bundleLikeK6(path.join(dir, `${scenarios[0]!.scenario.id}.ts`));
}
