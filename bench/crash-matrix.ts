/**
 * `npm run bench -- crash-matrix [--stack embedded|containers] [--cells N] [--seed S] [--scenarios a,b]
 * [--only scenario:phase:stop,…]`:
 * every scenario × phase × way of stopping the harness (SIGKILL then `gameday cleanup`, Ctrl-C, the
 * facilitator's abort), each stopped at a random moment in the phase, then everything that could be
 * left looked for. Prints the matrix (clean, or what was left) as a Markdown table for bench/RESULTS.md.
 * With --cells N, a random sample of N cells (the seed printed, so a failure can be replayed); with
 * --only, just the cells named (to rerun those an earlier run did not reach).
 */
import { readdir } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import {
  applicable,
  type CrashCell,
  PHASES,
  type Phase,
  runCell,
  type Stop,
  seeded,
} from '../test/support/crash-cell.ts';

const { values } = parseArgs({
  options: {
    stack: { type: 'string', default: 'embedded' },
    cells: { type: 'string' },
    seed: { type: 'string' },
    scenarios: { type: 'string' },
    only: { type: 'string' },
  },
  allowPositionals: true,
});
const seed = Number(values.seed ?? Date.now() % 1_000_000);
const random = seeded(seed);
const scenarios =
  values.scenarios?.split(',') ??
  (await readdir(new URL('../scenarios/', import.meta.url)))
    .filter((f) => f.endsWith('.ts'))
    .map((f) => f.replace(/\.ts$/, ''));
const stops: Stop[] = ['SIGKILL', 'SIGINT', 'abort'];
let cells: CrashCell[] = scenarios.flatMap((scenario) =>
  (Object.keys(PHASES) as Phase[]).flatMap((phase) =>
    stops
      .filter((stop) => applicable({ phase, stop }))
      .map((stop) => ({
        scenario,
        phase,
        stop,
        stack: values.stack as CrashCell['stack'],
        moment: random(),
      })),
  ),
);
if (values.only) {
  const wanted = values.only.split(',');
  cells = cells.filter((cell) => wanted.includes(`${cell.scenario}:${cell.phase}:${cell.stop}`));
  if (cells.length !== wanted.length)
    throw new Error(
      `--only: ${wanted.length} cells named, ${cells.length} exist (scenario:phase:stop, e.g. missing-index:recover:SIGINT)`,
    );
}
if (values.cells) cells = cells.sort(() => random() - 0.5).slice(0, Number(values.cells));
console.error(`crash matrix: ${cells.length} cells on the ${values.stack} stack, seed ${seed}`);

const rows: string[] = [];
let clean = 0;
for (const [index, cell] of cells.entries()) {
  const outcome = await runCell(cell);
  const verdict = !outcome.reached
    ? 'phase not reached'
    : outcome.left.length === 0
      ? 'clean'
      : outcome.left.join('; ');
  if (outcome.reached && outcome.left.length === 0) clean += 1;
  const exit =
    outcome.exitMs === null
      ? '—'
      : `${outcome.exitCode ?? 'killed'} after ${(outcome.exitMs / 1000).toFixed(1)} s`;
  rows.push(
    `| ${cell.scenario} | ${cell.phase} | ${cell.stop} | ${cell.moment.toFixed(2)} | ${exit} | ${verdict} |`,
  );
  console.error(`[${index + 1}/${cells.length}] ${rows.at(-1)}`);
}
console.log(`crash matrix, ${values.stack} stack, seed ${seed}: ${clean} of ${cells.length} cells clean\n`);
console.log('| scenario | phase | stop | moment | harness exit | left behind |');
console.log('| --- | --- | --- | ---: | --- | --- |');
for (const row of rows) console.log(row);
