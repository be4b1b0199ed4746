/** The exit codes scripts rely on (README, "Exit codes"). */
export const EXIT = {
  passed: 0,
  failed: 1,
  invalid: 2,
  stackUnavailable: 3,
  /** gameday itself failed (a bug): never a verdict on the system under test. */
  internal: 4,
  interrupted: 130,
} as const;
