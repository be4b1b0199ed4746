import { defineScenario, memoryPerConnectionClaim, websocketConnectionsAlert } from 'gameday';

/** 300 distinct loopback addresses, 127.0.1.1 onwards: a crowd, not a botnet of three. */
const CROWD = Array.from({ length: 300 }, (_, i) => `127.0.${1 + Math.floor(i / 250)}.${1 + (i % 250)}`);

/**
 * Runbook 2, scaling procedure: a big event brings 1,500 real users' sockets from 300 addresses. Each
 * replica is sized for 600 sockets, so the two replicas fill up and refuse the rest. The connections
 * come from many addresses and accounts, so the responder takes the legitimate-traffic branch: scale
 * out, then restart the old pods so their long-lived sockets spread over the new ones too (without it
 * the old pods stay full: sockets do not move by themselves).
 */
export default defineScenario({
  id: 'connection-spike',
  title: 'A legitimate spike of 1,500 sockets from 300 addresses',
  runbook: { number: 2, procedure: 'Scaling Procedure (If Legitimate Traffic)' },
  stack: { replicas: 2, env: { WEBSOCKET_MAX_CONNECTIONS: '600' } },
  fault: { kind: 'socket-storm', clients: 1_500, sourceAddresses: CROWD, accounts: 30, retryRefusedMs: 500 },
  alert: websocketConnectionsAlert(),
  detect: { within: '10m' },
  remedy: [
    {
      action: 'scale',
      replicas: 4,
      runbookStep: 'kubectl scale deployment/chat-backend --replicas=10 -n production',
    },
    { action: 'restart', runbookStep: 'Check connections per pod (should be ~equal)' },
  ],
  recovered: {
    // The crowd is real: connections stay above the alert's threshold, so recovery is everyone being
    // let in, with headroom on every replica.
    alertResolves: false,
    checks: [
      {
        name: 'no socket refused for capacity',
        expr: {
          fn: 'rate',
          metric: 'websocket_connections_rejected_total',
          match: { reason: 'at_capacity' },
          window: '1m',
        },
        comparator: '<=',
        threshold: 0,
      },
      {
        name: 'every replica below 80 % of its 600 sockets',
        expr: { fn: 'value', metric: 'websocket_connections_active', agg: 'max' },
        comparator: '<=',
        threshold: 480,
      },
    ],
  },
  restore: [{ action: 'scale', replicas: 2 }],
  claims: [memoryPerConnectionClaim()],
  invariants: ['no-acknowledged-message-lost', 'legitimate-traffic-ok'],
});
