import type pg from 'pg';
import { formatValue } from '../core/format.ts';
import type { RunbookClaim } from './claims.ts';
import type { ParsedRunbook } from './parse-runbook.ts';
import { inOtherProcedure } from './procedure-section.ts';
import { runReadOnly } from './run-diagnostics.ts';
import { type RunbookStep, sqlOf } from './steps.ts';
import { type ClaimResult, judged, type StepVerdict } from './verdicts.ts';

/** The claims a scenario can speak to: its own procedure's, and those of the runbook's shared sections. */
export function claimsFor(runbook: ParsedRunbook, procedure: string | undefined): RunbookClaim[] {
  return runbook.claims.filter((claim) => !inOtherProcedure(claim.section, procedure));
}

export function holds(claim: Pick<RunbookClaim, 'bound' | 'value'>, measured: number): boolean {
  if (claim.bound === 'at-most') return measured <= claim.value;
  if (claim.bound === 'at-least') return measured >= claim.value;
  // "~2 MB", "usually 60 seconds": the same order of things, within a factor of two either way.
  return measured >= claim.value / 2 && measured <= claim.value * 2;
}

function formatClaimed(kind: RunbookClaim['kind'], value: number): string {
  return formatValue(value, kind === 'size' ? 'bytes' : kind === 'ratio' ? 'ratio' : 'ms');
}

function howFarOff(factor: number): string {
  // Settled by the first look after the remedy: no factor to give.
  if (factor === 0) return 'at once, far below the claim';
  // Two significant figures, never exponent notation ("1.2e+2×" for 120×).
  const times = (x: number) => (x >= 10 ? String(Math.round(x)) : x.toPrecision(2));
  return factor >= 1 ? `${times(factor)}× the claim` : `${times(1 / factor)}× below the claim`;
}

/** ClaimMeter's units for each kind of runbook claim it can measure. */
const MEASURED_UNIT: Partial<Record<RunbookClaim['kind'], string>> = { time: 'ms', size: 'bytes' };

/**
 * The runbook's time and size claims against what the scenario measured: "within 2 minutes" against
 * the time the error rate took to settle after the remedy, "~2 MB" against memory growth per socket.
 * The document's own numbers are used, so another team's runbook is judged by what it says.
 */
export function judgeMeasuredClaims(
  claims: readonly RunbookClaim[],
  measured: readonly ClaimResult[],
): StepVerdict[] {
  const verdicts: StepVerdict[] = [];
  for (const claim of claims) {
    const unit = MEASURED_UNIT[claim.kind];
    const measurement = measured.find((result) => result.unit === unit);
    if (!unit || !measurement) continue;
    const base = { line: claim.line, step: claim.text, expected: `${claim.quantity} (${claim.bound})` };
    if (measurement.measured === null) {
      verdicts.push(judged(base, 'claim', 'manual', `not measured: ${measurement.detail}`));
      continue;
    }
    const ok = holds(claim, measurement.measured);
    const off = ok ? '' : ` (${howFarOff(measurement.measured / claim.value)})`;
    verdicts.push(
      judged(
        base,
        'claim',
        ok ? 'ok' : 'inaccurate',
        `measured ${formatClaimed(claim.kind, measurement.measured)}${off}: ${measurement.detail}`,
        [
          {
            kind: 'measured',
            quantity: claim.quantity,
            value: measurement.measured,
            unit,
            claimed: claim.value,
          },
        ],
      ),
    );
  }
  return verdicts;
}

/**
 * The SQL statement a claim written beside it is about: a comment just above a statement ("Cache hit
 * ratio (should be >99%)") speaks of that statement; one after it ("Expected: Index scan, <50ms") of
 * the statement before.
 */
export function statementOfClaim(runbook: ParsedRunbook, claim: RunbookClaim): RunbookStep | undefined {
  const block = runbook.codeBlocks.find((b) => b.line <= claim.line && claim.line <= b.endLine);
  if (!block) return undefined;
  const statements = runbook.steps.filter(
    (step) => step.block === block.line && (step.kind === 'sql' || step.sql),
  );
  const below = statements.find((step) => step.line > claim.line);
  if (below && below.line === claim.line + 1) return below;
  return [...statements].reverse().find((step) => step.endLine < claim.line) ?? below;
}

const PLAN_TIME = /Execution Time: ([\d.]+) ms/;
const INDEX_PLAN = /\b(Index Scan|Index Only Scan|Bitmap Index Scan)\b/;

/**
 * Runs the statement a latency or ratio claim is about, on the recovered system (where the runbook
 * says the number should hold), and compares: EXPLAIN ANALYZE's execution time and plan, or a single
 * ratio the query returns.
 */
export async function judgeQueryClaim(
  client: pg.Client,
  claim: RunbookClaim,
  statement: RunbookStep,
): Promise<StepVerdict | undefined> {
  if (claim.kind !== 'latency' && claim.kind !== 'ratio') return undefined;
  const sql = sqlOf(statement)!;
  const base = {
    line: claim.line,
    step: claim.text,
    expected: `${claim.quantity} from line ${statement.line}`,
  };
  let rows: Record<string, unknown>[];
  const started = performance.now();
  try {
    ({ rows } = await runReadOnly(client, sql));
  } catch (error) {
    return judged(base, 'runs', 'broken', `line ${statement.line} failed: ${(error as Error).message}`);
  }
  const elapsed = performance.now() - started;
  if (claim.kind === 'latency') {
    const plan = rows.map((row) => Object.values(row).join(' ')).join('\n');
    const planTime = PLAN_TIME.exec(plan);
    const measured = planTime ? Number(planTime[1]) : elapsed;
    const wantsIndex = /index scan/i.test(claim.text);
    const usesIndex = INDEX_PLAN.test(plan);
    const ok = holds(claim, measured) && (!wantsIndex || usesIndex);
    return judged(
      base,
      'claim',
      ok ? 'ok' : 'inaccurate',
      `${measured.toFixed(2)} ms${planTime ? ' (EXPLAIN ANALYZE)' : ''}${wantsIndex ? (usesIndex ? ', index scan' : ', no index scan in the plan') : ''}, after the fix`,
      [{ kind: 'measured', quantity: claim.quantity, value: measured, unit: 'ms', claimed: claim.value }],
    );
  }
  const values = rows.flatMap((row) => Object.values(row));
  const value = values.length === 1 ? Number(values[0]) : Number.NaN;
  if (Number.isNaN(value))
    return judged(base, 'claim', 'inaccurate', `the query returned ${values.length} values, not one ratio`);
  return judged(
    base,
    'claim',
    holds(claim, value) ? 'ok' : 'inaccurate',
    `${formatClaimed('ratio', value)} on the recovered system`,
    [{ kind: 'measured', quantity: claim.quantity, value, unit: 'ratio', claimed: claim.value }],
  );
}
