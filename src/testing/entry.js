// The runtime entry of gameday/testing. gameday ships TypeScript and its CLI runs it through tsx; a
// team's test runner loads packages from node_modules as Node does (vitest leaves them to Node), so
// this plain module loads ./index.ts through tsx, scoped to gameday's own modules (tsImport registers
// nothing globally). Its names are index.ts's, which editors read (test/testing/entry.test.ts checks).
import { tsImport } from 'tsx/esm/api';

const testing = await tsImport('./index.ts', import.meta.url);

export const {
  // the API
  useStack,
  startStack,
  TestStack,
  // errors, by the exit code the CLI would give them
  GamedayError,
  InputError,
  StackUnavailableError,
  // scenarios and the signals they share (as `gameday` exports them)
  defineScenario,
  errorRatio,
  databaseQueryQuantile,
  SEND_MESSAGE,
  longestRunningQuery,
  circuitBreakerAlert,
  circuitBreakerOpen,
  oldestActiveQuery,
  integrityAlert,
  sendErrorRateAlert,
  sendsSucceedCheck,
  websocketConnectionsAlert,
  STOP_MESSAGE_WRITES,
  RESUME_MESSAGE_WRITES,
  FAIL_OVER_TO_REPLICA,
  memoryPerConnectionClaim,
} = testing;
