import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** This checkout, where `npm run bench` runs. */
export const here = path.resolve(import.meta.dirname, '..');

/**
 * A worktree of `ref` in a temporary directory, with this checkout's dependencies, for timing an
 * earlier commit beside this one in the same run.
 */
export function worktreeAt(ref: string): { dir: string; remove: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gameday-bench-before-'));
  execFileSync('git', ['worktree', 'add', '--detach', dir, ref], { cwd: here, stdio: 'ignore' });
  fs.symlinkSync(path.join(here, 'node_modules'), path.join(dir, 'node_modules'));
  return {
    dir,
    remove: () => execFileSync('git', ['worktree', 'remove', '--force', dir], { cwd: here, stdio: 'ignore' }),
  };
}
