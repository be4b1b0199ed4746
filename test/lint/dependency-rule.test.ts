import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The dependency rule `npm run lint` enforces (.dependency-cruiser.cjs), tried on a copy of the tree
 * with a bad import planted: the rule must reject it, naming the rule and the file.
 */

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');
let copy: string;

beforeAll(async () => {
  copy = await fs.mkdtemp(path.join(os.tmpdir(), 'gameday-depcruise-'));
  for (const entry of ['src', 'fixtures', '.dependency-cruiser.cjs', 'tsconfig.json', 'package.json'])
    await fs.cp(path.join(root, entry), path.join(copy, entry), {
      recursive: true,
      filter: (source) => !source.includes(`${path.sep}node_modules`),
    });
  await fs.symlink(path.join(root, 'node_modules'), path.join(copy, 'node_modules'), 'dir');
});
afterAll(() => fs.rm(copy, { recursive: true, force: true }));

async function cruise(): Promise<{ code: number; output: string }> {
  try {
    const { stdout } = await run(
      process.execPath,
      [
        path.join(root, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs'),
        'src',
        'fixtures',
        '--config',
        '.dependency-cruiser.cjs',
      ],
      { cwd: copy },
    );
    return { code: 0, output: stdout };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, output: `${failed.stdout}${failed.stderr}` };
  }
}

async function planted(file: string, source: string): Promise<{ code: number; output: string }> {
  const where = path.join(copy, file);
  await fs.writeFile(where, source);
  try {
    return await cruise();
  } finally {
    await fs.rm(where);
  }
}

describe('the dependency rule', () => {
  it('passes the tree as it is', async () => {
    const result = await cruise();
    expect(result.output).toMatch(/no dependency violations found/);
    expect(result.code).toBe(0);
  }, 60_000);

  it('rejects an upward import, even of a type only', async () => {
    const result = await planted(
      'src/core/planted.ts',
      "import type { ScenarioResult } from '../engine/result.ts';\nexport type Planted = ScenarioResult;\n",
    );
    expect(result.code).not.toBe(0);
    expect(result.output).toMatch(/upward-from-core: src\/core\/planted\.ts → src\/engine\/result\.ts/);
  }, 60_000);

  it('rejects a second door into the reference backend', async () => {
    const result = await planted(
      'src/load/planted.ts',
      "export { SEED_PASSWORD } from '../../fixtures/chat-backend/db/seed.ts';\n",
    );
    expect(result.code).not.toBe(0);
    expect(result.output).toMatch(/fixtures-through-one-door: src\/load\/planted\.ts/);
  }, 60_000);
});
