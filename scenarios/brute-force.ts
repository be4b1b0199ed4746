import { defineScenario } from 'gameday';

/**
 * Runbook 5: one address tries password after password. The alert counts failed logins per source
 * address over the runbook's one-minute window; the responder blocks the address; everyone else keeps
 * chatting.
 */
export default defineScenario({
  id: 'brute-force',
  title: 'Brute-force logins from one address',
  runbook: { number: 5, procedure: 'Immediate Containment' },
  fault: { kind: 'auth-attack', sourceAddresses: ['127.0.0.66'], attemptsPerSecond: 25 },
  alert: {
    name: 'FailedLoginsFromOneAddress',
    unit: 'count',
    expr: { fn: 'max-increase-by', metric: 'auth_failures_total', by: 'source_ip', window: '1m' },
  },
  remedy: [
    {
      action: 'block-offenders',
      minFailures: 10,
      runbookStep: 'aws wafv2 update-ip-set --name blocklist --addresses "192.0.2.1/32"',
    },
  ],
  restore: [{ action: 'unblock-all' }],
  invariants: ['no-acknowledged-message-lost', 'legitimate-traffic-ok'],
});
