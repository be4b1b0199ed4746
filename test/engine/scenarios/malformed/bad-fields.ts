import { defineScenario } from 'gameday';

// The compiler already refuses the action below; the loader must refuse it too, for plain JavaScript.

export default defineScenario({
  id: 'bad-fields',
  title: 'Every kind of mistake',
  runbook: { number: 42 },
  baseline: 'a while',
  fault: { kind: 'drop-index', index: 'Not An Index!' },
  alert: {
    name: 'X',
    unit: 'seconds',
    expr: { fn: 'value', metric: 'database_query_duration_seconds' },
  },
  // @ts-expect-error: no such action
  remedy: [{ action: 'pray' }],
});
