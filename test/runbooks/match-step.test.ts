import { beforeAll, describe, expect, it } from 'vitest';
import { REMEDY_ACTIONS } from '../../src/remediation/registry.ts';
import { findRunbookStep, fixUnit } from '../../src/runbooks/match-step.ts';
import { type ParsedRunbook, readRunbook } from '../../src/runbooks/parse-runbook.ts';
import { loadSqlParser } from '../../src/runbooks/sql-check/index.ts';

const SHARED = new URL('../../../shared/runbooks/incident-response-runbooks.md', import.meta.url);
const FIXTURE = new URL('./fixtures/verify-defects.md', import.meta.url);
let shared: ParsedRunbook[];
let fixture: ParsedRunbook[];

beforeAll(async () => {
  await loadSqlParser();
  shared = (await readRunbook(SHARED)).runbooks;
  fixture = (await readRunbook(FIXTURE)).runbooks;
});

const looksLike = (action: string) => REMEDY_ACTIONS[action]!.looksLike;

describe('finding the runbook step a remedy step stands for', () => {
  it('matches the same command, whatever its spacing, case or trailing semicolon', () => {
    const saturation = shared.find((runbook) => runbook.number === 3)!;
    const step = findRunbookStep(
      saturation.steps,
      'select pg_terminate_backend(blocking_pid)',
      'Scenario B: Lock Contention',
      undefined,
    );
    expect(step?.line).toBe(504);
  });

  it('matches an abbreviated command by its fragments, in order', () => {
    const corruption = shared.find((runbook) => runbook.number === 6)!;
    const written = 'DELETE FROM messages WHERE id IN (… ROW_NUMBER() OVER (PARTITION BY message_id …) …)';
    expect(
      findRunbookStep(corruption.steps, written, 'Scenario A: Duplicate Messages', undefined)?.line,
    ).toBe(806);
    // The fragments out of order are not the same step.
    const reversed = 'ROW_NUMBER() OVER (PARTITION BY message_id …) … DELETE FROM messages';
    expect(findRunbookStep(corruption.steps, reversed, 'Scenario A: Duplicate Messages', undefined)).toBe(
      undefined,
    );
  });

  it("matches the same SQL with other constants (PostgreSQL's fingerprint)", () => {
    const saturation = shared.find((runbook) => runbook.number === 3)!;
    const step = findRunbookStep(
      saturation.steps,
      "ALTER DATABASE chatdb SET statement_timeout = '45s'",
      'Scenario D: Runaway Query',
      undefined,
    );
    expect(step?.line).toBe(547);
  });

  it("finds another team's wording of the step by what the action looks like, in the scenario's procedure only", () => {
    const slow = fixture.find((runbook) => runbook.number === 3)!;
    const written = 'SELECT pg_terminate_backend(blocking_pid);';
    const step = findRunbookStep(
      slow.steps,
      written,
      'Scenario B: Lock Contention',
      looksLike('terminate-blockers'),
    );
    expect(step?.text).toMatch(/^SELECT pg_terminate_backend\(holder\.pid\)/);
    // The same action in a procedure that has no such step finds nothing rather than a stranger's step.
    expect(
      findRunbookStep(slow.steps, written, 'Scenario A: Missing Index', looksLike('terminate-blockers')),
    ).toBe(undefined);
    const breaker = fixture.find((runbook) => runbook.number === 4)!;
    const repoint = findRunbookStep(
      breaker.steps,
      'kubectl set env deployment/chat-backend DATABASE_URL=…replica-1…',
      'Database Recovery (If Database Down)',
      looksLike('repoint-database'),
    );
    expect(repoint?.text).toMatch(/DATABASE_URL=".*storage-replica/);
  });
});

describe('the statements a fix runs together', () => {
  it('takes the BEGIN and COMMIT around a statement, as a responder pasting the block would', () => {
    const saturation = shared.find((runbook) => runbook.number === 3)!;
    const create = saturation.steps.find((step) => step.line === 473)!;
    expect(fixUnit(saturation.steps, create).map((step) => step.line)).toEqual([472, 473, 475]);
  });

  it('takes a statement outside a transaction alone, not its neighbours in the block', () => {
    const saturation = shared.find((runbook) => runbook.number === 3)!;
    const timeout = saturation.steps.find((step) => step.line === 547)!;
    expect(fixUnit(saturation.steps, timeout)).toEqual([timeout]);
  });
});
