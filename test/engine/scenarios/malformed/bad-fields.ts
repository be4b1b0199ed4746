import { defineScenario } from '../../../../src/engine/scenario.ts';

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
  remedy: [{ action: 'pray' }],
});
