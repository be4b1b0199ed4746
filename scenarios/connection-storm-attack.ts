import { defineScenario, memoryPerConnectionClaim, websocketConnectionsAlert } from 'gameday';

/**
 * Runbook 2, DDoS mitigation: over a thousand Socket.IO clients from three addresses. The responder
 * sees many connections from few IPs and turns on aggressive per-IP limits; the storm's clients keep
 * reconnecting but only a handful per address get in, while real users from other addresses stay.
 */
export default defineScenario({
  id: 'connection-storm-attack',
  title: 'A connection storm from three addresses',
  runbook: { number: 2, procedure: 'DDoS Mitigation (If Attack Detected)' },
  fault: {
    kind: 'socket-storm',
    clients: 1_200,
    sourceAddresses: ['127.0.0.201', '127.0.0.202', '127.0.0.203'],
  },
  alert: websocketConnectionsAlert(),
  // Five minutes sustained, plus the storm's own ramp-up: opening 1,200 sockets is real work.
  detect: { within: '10m' },
  remedy: [
    {
      action: 'set-env',
      env: { WEBSOCKET_RATE_LIMIT: '1', WEBSOCKET_MAX_CONNECTIONS_PER_IP: '3' },
      runbookStep:
        'kubectl set env deployment/chat-backend WEBSOCKET_RATE_LIMIT=1 WEBSOCKET_MAX_CONNECTIONS_PER_IP=3',
    },
  ],
  restore: [
    { action: 'set-env', env: { WEBSOCKET_RATE_LIMIT: null, WEBSOCKET_MAX_CONNECTIONS_PER_IP: null } },
  ],
  claims: [memoryPerConnectionClaim()],
  invariants: ['no-acknowledged-message-lost', 'legitimate-traffic-ok'],
});
