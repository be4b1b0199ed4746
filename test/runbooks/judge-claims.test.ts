import { beforeAll, describe, expect, it } from 'vitest';
import type { ClaimResult } from '../../src/engine/result.ts';
import { claimsFor, judgeMeasuredClaims, statementOfClaim } from '../../src/runbooks/judge-claims.ts';
import { type ParsedRunbook, readRunbook } from '../../src/runbooks/parse-runbook.ts';

const SHARED = new URL('../../../shared/runbooks/incident-response-runbooks.md', import.meta.url);
let runbooks: ParsedRunbook[];
const byNumber = (n: number) => runbooks.find((runbook) => runbook.number === n)!;

beforeAll(async () => {
  runbooks = (await readRunbook(SHARED)).runbooks;
});

const measured = (value: number | null, unit: string): ClaimResult => ({
  claim: 'as the scenario words it',
  claimed: 0,
  measured: value,
  unit,
  verdict: value === null ? 'not measured' : 'holds',
  detail: 'from the scrapes',
});

describe("a runbook's claims against a measurement", () => {
  it('keeps the claims of the scenario’s own procedure and the shared sections, not other procedures’', () => {
    const lines = (procedure: string) => claimsFor(byNumber(1), procedure).map((claim) => claim.line);
    expect(lines('Rollback Procedure (If Recent Deployment)')).toEqual(expect.arrayContaining([105, 111]));
    // Scenario B's "<0.5%" is not about a rollback; the rollback's claims are not about Scenario A.
    expect(lines('Rollback Procedure (If Recent Deployment)')).not.toContain(205);
    expect(lines('Scenario A: Database Connection Pool Exhausted')).not.toContain(105);
    // Symptoms speak for every connection storm.
    expect(claimsFor(byNumber(2), 'Scaling Procedure (If Legitimate Traffic)').map((c) => c.line)).toContain(
      264,
    );
  });

  it('finds a claim ten times off and passes one that holds, by the document’s own numbers', () => {
    const storm = claimsFor(byNumber(2), 'Scaling Procedure (If Legitimate Traffic)');
    // 0.2 MB per socket measured; the runbook says ~2 MB.
    const [memory] = judgeMeasuredClaims(storm, [measured(0.2 * 1024 ** 2, 'bytes')]);
    expect(memory).toMatchObject({ line: 264, status: 'inaccurate' });
    expect(memory!.seen).toMatch(/measured 0\.20 MB \(10× below the claim\)/);
    const [close] = judgeMeasuredClaims(storm, [measured(1.5 * 1024 ** 2, 'bytes')]);
    expect(close!.status).toBe('ok');

    const rollback = claimsFor(byNumber(1), 'Rollback Procedure (If Recent Deployment)');
    const judged = judgeMeasuredClaims(rollback, [measured(50_000, 'ms')]);
    expect(judged.map((j) => [j.line, j.status])).toEqual([
      [105, 'ok'],
      [111, 'ok'],
    ]);
    const late = judgeMeasuredClaims(rollback, [measured(180_000, 'ms')]);
    expect(late.find((j) => j.line === 105)?.status).toBe('inaccurate');
    expect(late.find((j) => j.line === 111)?.status).toBe('ok');
  });

  it('writes a factor of a hundred or more as a number, not in exponent notation', () => {
    const storm = claimsFor(byNumber(2), 'Scaling Procedure (If Legitimate Traffic)');
    // 2 MB claimed, 8 KB measured: 256× below.
    const [memory] = judgeMeasuredClaims(storm, [measured(8 * 1024, 'bytes')]);
    expect(memory!.seen).toMatch(/\(256× below the claim\)/);
  });

  it('says a claim that settled at once is far below, not "Infinity×"', () => {
    const storm = claimsFor(byNumber(2), 'Scaling Procedure (If Legitimate Traffic)');
    const [memory] = judgeMeasuredClaims(storm, [measured(0, 'bytes')]);
    expect(memory).toMatchObject({ line: 264, status: 'inaccurate' });
    expect(memory!.seen).toMatch(/^measured 0.00 MB \(at once, far below the claim\)/);
  });

  it('says "not measured" as a manual check rather than guessing', () => {
    const storm = claimsFor(byNumber(2), undefined);
    const [memory] = judgeMeasuredClaims(storm, [measured(null, 'bytes')]);
    expect(memory).toMatchObject({ status: 'manual', seen: 'not measured: from the scrapes' });
  });

  it('ties a claim written beside a query to that query', () => {
    const saturation = byNumber(3);
    const claim = (line: number) => saturation.claims.find((c) => c.line === line)!;
    // "Cache hit ratio (should be >99%)" sits above its query; "Expected: Index scan, <50ms" below.
    expect(statementOfClaim(saturation, claim(448))?.line).toBe(449);
    expect(statementOfClaim(saturation, claim(480))?.line).toBe(478);
    // A claim in prose is about no query.
    expect(statementOfClaim(byNumber(1), byNumber(1).claims.find((c) => c.line === 105)!)).toBe(undefined);
  });
});
