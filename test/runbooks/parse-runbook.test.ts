import { readFile } from 'node:fs/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type CodeBlock,
  parseDuration,
  parseRunbook,
  type RunbookDocument,
  RunbookParseError,
  readRunbook,
} from '../../src/runbooks/parse-runbook.ts';
import { loadSqlParser } from '../../src/runbooks/sql-check/index.ts';

// parseRunbook cuts SQL blocks with PostgreSQL's scanner.
beforeAll(() => loadSqlParser());

const SHARED = new URL('../../../shared/runbooks/incident-response-runbooks.md', import.meta.url);
const FIXTURE = new URL('../../fixtures/runbook/chat-backend-runbooks.md', import.meta.url);

const runbook = (doc: RunbookDocument, number: number) => doc.runbooks.find((r) => r.number === number)!;
const blockContaining = (doc: RunbookDocument, number: number, code: string): CodeBlock =>
  runbook(doc, number).codeBlocks.find((block) => block.code.includes(code))!;

/** The numbers the harness relies on, which the shared runbook and our fixture must both give. */
function expectChatBackendFacts(doc: RunbookDocument): void {
  expect(doc.runbooks.map((r) => [r.number, r.title])).toEqual([
    [1, 'Elevated Error Rates'],
    [2, 'Connection Storms'],
    [3, 'Database Saturation'],
    [4, 'Cascading Failures'],
    [5, 'Security Incident'],
    [6, 'Data Corruption'],
  ]);
  expect(
    Object.values(doc.severities).map(({ level, responseTimeMs }) => ({ level, responseTimeMs })),
  ).toEqual([
    { level: 'P0', responseTimeMs: 300_000 },
    { level: 'P1', responseTimeMs: 900_000 },
    { level: 'P2', responseTimeMs: 3_600_000 },
    { level: 'P3', responseTimeMs: undefined },
  ]);
  expect(doc.severities.P3!.responseTimeText).toBe('Next business day');

  const errors = runbook(doc, 1);
  expect(errors.indexEntry).toBe('Elevated Error Rates (>1% increase)');
  expect(errors.alert).toMatchObject({
    severity: 'P1',
    threshold: { comparator: '>', value: 1, unit: '%', source: 'index' },
    durationMs: 300_000,
    baseline: { value: 0.2, unit: '%' },
  });
  expect(errors.alert!.metric).toBeUndefined();

  expect(runbook(doc, 2).alert).toMatchObject({
    severity: 'P1',
    threshold: { comparator: '>', value: 1000, unit: 'count', source: 'alert' },
    durationMs: 300_000,
    metric: 'websocket_connections_active',
    metricSelector: 'websocket_connections_active',
    baseline: { value: 200, unit: 'count' },
  });

  const database = runbook(doc, 3).alert!;
  expect(database).toMatchObject({
    severity: 'P1',
    threshold: { comparator: '>', value: 500, unit: 'ms', source: 'alert' },
    durationMs: 300_000,
    metric: 'database_query_duration_seconds',
    baseline: { value: 50, unit: 'ms' },
  });
  expect(database.metricSelector).toContain('quantile="0.95"');

  const cascading = runbook(doc, 4).alert!;
  expect(cascading.severity).toBe('P0');
  expect(cascading.durationMs).toBeUndefined();
  expect(cascading.threshold).toBeUndefined();

  // Two alternative alerts: the one the index describes ("unauthorized access") carries the threshold.
  const security = runbook(doc, 5).alert!;
  expect(security.alertText).toContain(' OR ');
  expect(security).toMatchObject({
    threshold: { comparator: '>=', value: 10, unit: 'count', source: 'alert' },
    windowMs: 60_000,
  });
  expect(security.severity).toBeUndefined();

  expect(runbook(doc, 6).alert!.alertText).not.toContain('User Report');

  const missingIndex = blockContaining(doc, 3, 'CREATE INDEX CONCURRENTLY');
  expect(missingIndex).toMatchObject({ lang: 'sql', section: 'Scenario A: Missing Index', label: 'Fix' });
  expect(missingIndex.code).toMatch(/^[\s\S]*BEGIN;\nCREATE INDEX CONCURRENTLY[\s\S]*COMMIT;/);
  expect(blockContaining(doc, 3, 'pg_terminate_backend(blocking_pid)').section).toBe(
    'Scenario B: Lock Contention',
  );
  expect(blockContaining(doc, 4, '/admin/circuit-breaker/reset')).toMatchObject({
    lang: 'bash',
    section: 'Database Recovery (If Database Down)',
    label: '3. Monitor Recovery',
  });
  expect(blockContaining(doc, 4, '/admin/circuit-breaker/reset').code).toContain(
    'usually 60 seconds after first successful request',
  );
  expect(blockContaining(doc, 1, 'kubectl rollout undo').code).toContain(
    'drops back to <0.5% within 2 minutes',
  );
  expect(runbook(doc, 2).text).toContain('each connection consumes ~2 MB');

  // Fenced lines are never headings: the template's "# Post-Mortem" and "## Timeline" stay inside it.
  expect(doc.postmortemTemplate).toMatch(/^# Post-Mortem: \[Incident Title\]\n/);
  expect(doc.postmortemTemplate).toMatch(/\n## Timeline\n+- HH:MM - Alert triggered\n/);
  expect(doc.runbooks.flatMap((r) => r.sections.map((s) => s.title))).not.toContain('Timeline');
}

/** Every code line of every block in `doc`, checked against the file's own lines. */
async function expectLinesMatchFile(doc: RunbookDocument, url: URL): Promise<void> {
  const fileLines = (await readFile(url, 'utf8')).split('\n');
  for (const block of doc.runbooks.flatMap((r) => r.codeBlocks)) {
    expect(fileLines.slice(block.line - 1, block.endLine).join('\n')).toBe(block.code);
    expect(fileLines[block.line - 2]).toBe(`\`\`\`${block.lang}`);
    expect(fileLines[block.endLine]).toBe('```');
  }
  for (const r of doc.runbooks) expect(fileLines[r.line - 1]).toBe(`## Runbook ${r.number}: ${r.title}`);
}

describe('parseRunbook on the shared incident-response runbooks', () => {
  it('reads all six runbooks with their alerts, severities, code blocks and template', async () => {
    const doc = await readRunbook(SHARED);
    expect(doc.title).toBe('Incident Response Runbooks');
    expectChatBackendFacts(doc);
    await expectLinesMatchFile(doc, SHARED);
  });

  it('gives 1-based lines as they are in the file', async () => {
    const doc = await readRunbook(SHARED);
    expect(doc.severities.P0!.line).toBe(27);
    expect(runbook(doc, 1).line).toBe(45);
    expect(runbook(doc, 1).alert!.line).toBe(49);
    expect(runbook(doc, 1).alert!.threshold!.line).toBe(36);
    expect(runbook(doc, 5).alert!.threshold!.line).toBe(685);
    expect(blockContaining(doc, 3, 'CREATE INDEX CONCURRENTLY')).toMatchObject({ line: 471, endLine: 480 });
    expect(blockContaining(doc, 1, 'pagerduty ack')).toMatchObject({
      lang: 'bash',
      line: 66,
      endLine: 67,
      section: 'Immediate Actions (First 5 Minutes)',
      label: '1. Acknowledge Alert',
    });
    expect(runbook(doc, 1).alert!.lines[1]).toBe('Severity: P1');
  });

  it('keeps each runbook to its own text, ending before the next section', async () => {
    const doc = await readRunbook(SHARED);
    const last = runbook(doc, 6);
    expect(last.text.startsWith('## Runbook 6: Data Corruption')).toBe(true);
    expect(last.text).not.toContain('Emergency Contacts');
    expect(last.text.endsWith('- [ ] Add database constraints to prevent corruption')).toBe(true);
    expect(last.sections.map((s) => s.title)).toContain('Scenario B: Missing Messages');
  });
});

describe('the fixture runbook', () => {
  it('parses to the same numbers as the shared runbook', async () => {
    const doc = await readRunbook(FIXTURE);
    expectChatBackendFacts(doc);
    await expectLinesMatchFile(doc, FIXTURE);
  });

  it('keeps every command and SQL statement of the shared runbook, comments aside', async () => {
    const commands = (doc: RunbookDocument) =>
      doc.runbooks.map((r) =>
        r.codeBlocks
          .filter((block) => block.lang !== '')
          .map((block) =>
            block.code
              .split('\n')
              .filter((line) => line.trim() !== '' && !/^\s*(#|--)/.test(line))
              .join('\n'),
          ),
      );
    expect(commands(await readRunbook(FIXTURE))).toEqual(commands(await readRunbook(SHARED)));
  });
});

const TEAM_RUNBOOK = `# Payments Runbooks

## Severity

| Level | Description | Response Time | Escalation |
|-------|-------------|---------------|------------|
| **SEV1** | Checkout down | <10 min | Payments lead |
| **SEV2** | Checkout degraded | <30 minutes | On-call |
| **P2** | Cosmetic | <4 hours | Backlog |

## Runbook Index

1. [Checkout Errors (>2% failed payments)](#runbook-1-checkout-errors)
2. [Slow Search (p99 >= 250ms)](#runbook-2-slow-search)

## Runbook 1: Checkout Errors

### Alert Trigger
~~~text
Alert: Failed payments above normal (baseline: 0.1%)
Severity: P2
Duration: 15 minutes sustained
Metrics: payments_failed_ratio
~~~

### Verification
Confirm with the payment provider before acting.

~~~~markdown
# Not a heading
\`\`\`bash
echo still inside the outer fence
\`\`\`
## Runbook 9: Not a runbook either
~~~~

### Remedy
\`\`\`sh
./bin/retry-payments --since 15m
\`\`\`

## Runbook 2: Slow Search

### Alert Trigger

\`\`\`
Alert: Search p99 latency >= 250ms for 2 users or more
Severity: SEV1
Duration: 10 min
Window: 30s
Metrics: search_latency_seconds{quantile="0.99", service="search"} summary
\`\`\`

## Glossary

Nothing here belongs to a runbook.
`;

describe('another team’s runbook in the same shape', () => {
  it('parses with its own thresholds, durations, severities and sections', () => {
    const doc = parseRunbook(TEAM_RUNBOOK, 'payments.md');
    expect(doc.title).toBe('Payments Runbooks');
    expect(Object.keys(doc.severities)).toEqual(['SEV1', 'SEV2', 'P2']);
    expect(doc.severities.SEV2!.responseTimeMs).toBe(1_800_000);
    expect(doc.severities.P2!.responseTimeMs).toBe(14_400_000);
    expect(doc.runbooks.map((r) => r.number)).toEqual([1, 2]);
    expect(doc.postmortemTemplate).toBeUndefined();

    const [checkout, search] = doc.runbooks;
    expect(checkout!.alert).toMatchObject({
      line: 20,
      severity: 'P2',
      durationMs: 900_000,
      threshold: { comparator: '>', value: 2, unit: '%', source: 'index', line: 13 },
      baseline: { value: 0.1, unit: '%' },
      metric: 'payments_failed_ratio',
    });
    expect(checkout!.sections.map((s) => s.title)).toEqual(['Alert Trigger', 'Verification', 'Remedy']);
    expect(checkout!.codeBlocks.map((b) => [b.lang, b.section, b.line])).toEqual([
      ['text', 'Alert Trigger', 20],
      ['markdown', 'Verification', 30],
      ['sh', 'Remedy', 39],
    ]);
    expect(checkout!.codeBlocks[1]!.code).toContain('## Runbook 9: Not a runbook either');

    expect(search!.alert).toMatchObject({
      severity: 'SEV1',
      durationMs: 600_000,
      windowMs: 30_000,
      threshold: { comparator: '>=', value: 250, unit: 'ms', source: 'alert', text: '>= 250ms' },
      metric: 'search_latency_seconds',
      metricSelector: 'search_latency_seconds{quantile="0.99", service="search"}',
    });
    expect(search!.alert!.baseline).toBeUndefined();
    expect(search!.text).not.toContain('Glossary');
  });
});

describe('parseDuration', () => {
  it.each([
    ['5+ minutes', 300_000],
    ['5+ minutes sustained', 300_000],
    ['1 min', 60_000],
    ['60 seconds', 60_000],
    ['2 minutes', 120_000],
    ['30s', 30_000],
    ['500ms', 500],
    ['1 hour', 3_600_000],
    ['<15 min', 900_000],
    ['1.5 hours', 5_400_000],
  ])('%s → %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['Next business day', 'sustained', '', '5 sessions'])('"%s" is not a duration', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });
});

/** A minimal valid document with `body` after the severity table (line 7 onwards). */
const documentWith = (...body: string[]): string =>
  [
    '# Team Runbooks',
    '',
    '| Level | Description | Response Time | Escalation |',
    '|---|---|---|---|',
    '| **P1** | Degraded | <15 min | On-call |',
    '',
    ...body,
  ].join('\n');

const VALID_RUNBOOK = ['## Runbook 1: Outage', '', '### Alert Trigger', '```', 'Alert: Down', '```'];

function parseFailure(markdown: string): RunbookParseError {
  try {
    parseRunbook(markdown, 'team.md');
  } catch (error) {
    if (error instanceof RunbookParseError) return error;
    throw error;
  }
  throw new Error('expected a RunbookParseError');
}

describe('malformed runbooks', () => {
  it('accepts the minimal document the cases below start from', () => {
    expect(parseRunbook(documentWith(...VALID_RUNBOOK), 'team.md').runbooks).toHaveLength(1);
  });

  it('names a runbook heading whose number is not a number', () => {
    const error = parseFailure(documentWith(...VALID_RUNBOOK, '', '## Runbook X: Mystery'));
    expect(error).toMatchObject({ file: 'team.md', line: 14, found: '"X"' });
    expect(error.message).toBe('team.md:14: expected a runbook number in "Runbook N: Title", found "X"');
  });

  it('names a runbook heading without a title', () => {
    expect(parseFailure(documentWith('## Runbook 4')).line).toBe(7);
  });

  it('names an Alert Trigger heading not followed by a fenced block', () => {
    const error = parseFailure(documentWith('## Runbook 1: Outage', '### Alert Trigger', '', 'Alert: Down'));
    expect(error).toMatchObject({ line: 10, found: '"Alert: Down"' });
    expect(error.expected).toContain('fenced code block after "### Alert Trigger"');
  });

  it('names an Alert Trigger heading at the very end', () => {
    expect(parseFailure(documentWith('## Runbook 1: Outage', '### Alert Trigger')).line).toBe(8);
  });

  it('names the opening line of an unterminated fenced block', () => {
    const error = parseFailure(documentWith(...VALID_RUNBOOK, '', '~~~bash', 'echo never closed', '```'));
    expect(error).toMatchObject({ line: 14, found: 'the end of the document' });
    expect(error.expected).toContain('closing ~~~');
  });

  it('names a severity table row with an unparseable level', () => {
    const markdown = documentWith(...VALID_RUNBOOK).replace(
      '| **P1** | Degraded | <15 min | On-call |',
      '| **P1** | Degraded | <15 min | On-call |\n| **Sort of bad** | Meh | <1 hour | Nobody |',
    );
    const error = parseFailure(markdown);
    expect(error).toMatchObject({ line: 6, found: '"**Sort of bad**"' });
    expect(error.expected).toContain('severity level');
  });

  it('names the second of two runbooks with the same number', () => {
    const error = parseFailure(documentWith(...VALID_RUNBOOK, '', '## Runbook 1: Again'));
    expect(error.line).toBe(14);
    expect(error.expected).toContain('Runbook 1 is at line 7');
  });

  it('refuses a document without any runbook section', () => {
    const error = parseFailure(documentWith('## Runbook Index', '', 'Nothing yet.'));
    expect(error).toMatchObject({ line: 1, expected: 'at least one "## Runbook N: Title" section' });
  });

  it('does not take a heading inside a fence for a runbook', () => {
    const error = parseFailure(documentWith('```markdown', '## Runbook 1: Only an example', '```'));
    expect(error.expected).toBe('at least one "## Runbook N: Title" section');
  });

  it('refuses a document without a severity table', () => {
    expect(parseFailure(VALID_RUNBOOK.join('\n')).expected).toContain('severity table');
  });

  it('names an alert severity that is not in the severity table', () => {
    const error = parseFailure(
      documentWith('## Runbook 1: Outage', '### Alert Trigger', '```', 'Alert: Down', 'Severity: P7', '```'),
    );
    expect(error).toMatchObject({ line: 11, found: '"P7"' });
    expect(error.expected).toContain('(P1)');
  });

  it.each(['constructor', 'toString', '__proto__'])(
    'names an alert severity "%s" (inherited by every JavaScript object, not a level of the table)',
    (level) => {
      const error = parseFailure(
        documentWith(
          '## Runbook 1: Outage',
          '### Alert Trigger',
          '```',
          'Alert: Down',
          `Severity: ${level}`,
          '```',
        ),
      );
      expect(error).toMatchObject({ line: 11, found: `"${level}"` });
    },
  );

  it('names a Duration line that is not a duration', () => {
    const error = parseFailure(
      documentWith(
        '## Runbook 1: Outage',
        '### Alert Trigger',
        '```',
        'Alert: Down',
        'Duration: sustained',
        '```',
      ),
    );
    expect(error).toMatchObject({ line: 11, found: '"sustained"' });
  });

  it('names an Alert Trigger block without an Alert line', () => {
    const error = parseFailure(
      documentWith('## Runbook 1: Outage', '### Alert Trigger', '```', 'Severity: P1', '```'),
    );
    expect(error.line).toBe(10);
  });

  it('names an index entry without a runbook', () => {
    const error = parseFailure(
      documentWith('## Runbook Index', '', '1. [Outage](#x)', '2. [Ghost (>5%)](#y)', '', ...VALID_RUNBOOK),
    );
    expect(error.line).toBe(10);
    expect(error.expected).toContain('"Runbook 2:" section');
  });

  it('is an input error (exit code 2) whose message names file, line, expectation and finding', () => {
    const error = parseFailure(documentWith(...VALID_RUNBOOK, '', '## Runbook X: Mystery'));
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('RunbookParseError');
    expect(error.exitCode).toBe(2);
  });
});
