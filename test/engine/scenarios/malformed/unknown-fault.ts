export default {
  id: 'unknown-fault',
  title: 'A fault nobody knows',
  runbook: { number: 1 },
  fault: { kind: 'meteor-strike' },
  alert: { name: 'Y', unit: 'ratio', expr: { fn: 'value', metric: 'x' } },
  remedy: [{ action: 'rollback', toRevision: 'last' }],
  surprise: true,
};
