import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseRunbook, RunbookParseError } from '../../src/runbooks/parse-runbook.ts';
import { checkRunbookStatically, defaultSchema } from '../../src/runbooks/runbook-check.ts';
import type { SqlSchema } from '../../src/runbooks/sql-check/index.ts';

/**
 * The runbook parser and `runbook check` on mutated documents: never a crash or a hang. A document
 * either parses (and every finding names a line inside it) or is refused with a parse error naming a
 * line inside it (the CLI's exit 2).
 */
const SHARED = readFileSync(
  new URL('../../../shared/runbooks/incident-response-runbooks.md', import.meta.url),
  'utf8',
);
const RUNS = 300;
let schema: SqlSchema;
beforeAll(async () => {
  schema = await defaultSchema();
});

const lines = SHARED.split('\n');

/** One edit a careless author (or a bad merge) makes to a runbook. */
const mutation = fc.oneof(
  // Delete a range of lines (a missing section, half a fence).
  fc.record({
    kind: fc.constant('delete' as const),
    at: fc.nat(lines.length),
    count: fc.integer({ min: 1, max: 40 }),
  }),
  // Duplicate a range somewhere else (nested lists, repeated headings).
  fc.record({
    kind: fc.constant('copy' as const),
    from: fc.nat(lines.length),
    count: fc.integer({ min: 1, max: 30 }),
    to: fc.nat(lines.length),
  }),
  // Insert strange text: a fence, odd Unicode, a huge line, deep or wide SQL.
  fc.record({
    kind: fc.constant('insert' as const),
    at: fc.nat(lines.length),
    text: fc.oneof(
      fc.constantFrom(
        '```',
        '```sql',
        '~~~',
        '# ',
        '## Alert Trigger',
        '- **Severity**: P9',
        '| P0 | never |',
        '\t- - - -',
      ),
      fc.string({ unit: 'grapheme', maxLength: 80 }),
      fc.string({ unit: 'binary', maxLength: 80 }),
      fc.integer({ min: 1_000, max: 200_000 }).map((n) => 'x'.repeat(n)),
      fc.integer({ min: 1, max: 4_000 }).map((n) => `SELECT ${'1 + '.repeat(n)}1;`),
      fc.integer({ min: 1, max: 3_000 }).map((n) => `SELECT ${'('.repeat(n)}1${')'.repeat(n)};`),
      fc
        .integer({ min: 1, max: 2_000 })
        .map((n) => `SELECT ${Array.from({ length: n }, (_, i) => `c${i}`).join(', ')} FROM messages;`),
    ),
  }),
  fc.record({ kind: fc.constant('crlf' as const) }),
);

function apply(doc: string[], edits: (typeof mutation extends fc.Arbitrary<infer T> ? T : never)[]): string {
  let out = [...doc];
  let crlf = false;
  for (const edit of edits) {
    if (edit.kind === 'delete') out.splice(edit.at, edit.count);
    else if (edit.kind === 'copy') out.splice(edit.to, 0, ...out.slice(edit.from, edit.from + edit.count));
    else if (edit.kind === 'insert') out.splice(edit.at, 0, ...edit.text.split('\n'));
    else crlf = true;
  }
  out = out.slice(0, 4_000);
  return out.join(crlf ? '\r\n' : '\n');
}

describe('the runbook parser and checker, fuzzed', () => {
  it(`never crash or hang on ${RUNS} mutated copies of the shared runbook; every finding and refusal names a line in the document`, async () => {
    let parsed = 0;
    let refused = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(mutation, { minLength: 1, maxLength: 6 }), async (edits) => {
        const markdown = apply(lines, edits);
        const lineCount = markdown.split(/\r?\n/).length;
        let document: ReturnType<typeof parseRunbook>;
        try {
          document = parseRunbook(markdown, 'fuzzed.md');
        } catch (error) {
          // A refusal names the file and a line inside it (exit 2), and is never anything else.
          if (!(error instanceof RunbookParseError)) throw error;
          expect(error.message).toMatch(/^fuzzed\.md:\d+: expected /);
          expect(error.line).toBeGreaterThanOrEqual(1);
          expect(error.line).toBeLessThanOrEqual(lineCount + 1);
          refused += 1;
          return;
        }
        const started = Date.now();
        const findings = await checkRunbookStatically(document, schema);
        expect(Date.now() - started).toBeLessThan(20_000);
        for (const finding of findings) {
          expect(finding.line).toBeGreaterThanOrEqual(1);
          expect(finding.line).toBeLessThanOrEqual(lineCount);
        }
        parsed += 1;
      }),
      { numRuns: RUNS, seed: Number(process.env.FUZZ_SEED ?? Date.now() % 1_000_000) },
    );
    console.log(
      `runbook fuzz: ${RUNS} documents, ${parsed} parsed and checked, ${refused} refused with their line`,
    );
    expect(parsed + refused).toBe(RUNS);
  }, 240_000);
});
