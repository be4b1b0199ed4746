/** `npm run bench -- <name> [flags]` runs bench/<name>.ts; with no name it lists the benchmarks. */
import { readdir } from 'node:fs/promises';

const [name] = process.argv.slice(2).filter((arg) => !arg.startsWith('-'));
const available = (await readdir(new URL('.', import.meta.url)))
  .filter((file) => file.endsWith('.ts') && !['run.ts', 'stats.ts', 'worktree.ts'].includes(file))
  .map((file) => file.replace(/\.ts$/, ''));
if (!name || !available.includes(name)) {
  console.error(`usage: npm run bench -- <name> [flags]\nbenchmarks: ${available.join(', ')}`);
  process.exit(name ? 2 : 0);
}
await import(`./${name}.ts`);
