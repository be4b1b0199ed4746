import type { StepRepair } from './plan-repairs.ts';

/** Where a repair landed in the corrected document (1-based, inclusive). */
export interface PlacedRepair extends StepRepair {
  fixedLine: number;
  fixedEndLine: number;
}

/**
 * The corrected document: each repair's lines replaced, every other line as it was (so the diff shows
 * only the repairs), and where each repair now sits, for judging it again.
 */
export function applyRepairs(
  lines: readonly string[],
  repairs: readonly StepRepair[],
): { lines: string[]; placed: PlacedRepair[] } {
  const ordered = [...repairs].sort((a, b) => a.line - b.line);
  const out: string[] = [];
  const placed: PlacedRepair[] = [];
  let next = 1;
  for (const repair of ordered) {
    if (repair.line < next) throw new Error(`repairs overlap at line ${repair.line}`);
    out.push(...lines.slice(next - 1, repair.line - 1));
    placed.push({ ...repair, fixedLine: out.length + 1, fixedEndLine: out.length + repair.after.length });
    out.push(...repair.after);
    next = repair.endLine + 1;
  }
  out.push(...lines.slice(next - 1));
  return { lines: out, placed };
}
