import { describe, expect, it } from 'vitest';
import { runbookAccuracy } from '../../src/reporting/runbook-accuracy.ts';
import { gameDayFixture, scenarioFixture } from './game-day-fixture.ts';

describe('runbook-accuracy.md', () => {
  it('gives each step its verdict, the evidence rule by rule, and what did the job where it fell short', () => {
    const result = gameDayFixture();
    result.scenarios = [
      scenarioFixture({
        runbookChecks: [
          {
            runbook: 3,
            scenario: 'runaway-query',
            line: 547,
            step: "ALTER DATABASE chatdb SET statement_timeout = '30s';",
            status: 'inaccurate',
            expected: 'runs as written and the incident resolves',
            seen: 'only new sessions get it; ran as written',
            judgements: [
              { rule: 'effect', status: 'inaccurate', observed: 'only new sessions get it' },
              { rule: 'runs', status: 'ok', observed: 'ran as written (line 547)' },
            ],
            worked: [
              {
                kind: 'setting',
                name: 'statement_timeout',
                value: '30s',
                takesEffect: 'new-sessions',
                how: 'x',
              },
              { kind: 'harness-action', action: 'restart', detail: 'rolled out revision 3' },
            ],
          },
        ],
      }),
    ];
    const table = runbookAccuracy(result)!;
    expect(table).toContain('| verdict | expected | evidence | what worked instead |');
    expect(table).toContain(
      "| inaccurate | runs as written and the incident resolves | effect inaccurate: only new sessions get it · runs ok: ran as written (line 547) | statement_timeout = 30s takes effect: new-sessions · the harness's restart: rolled out revision 3 |",
    );
    expect(table).toMatch(/0 ok, 1 inaccurate, 0 broken, 0 manual\.\n$/);
  });
});
