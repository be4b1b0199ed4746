/** The run was interrupted (Ctrl-C, SIGTERM, a time box, a guard, the facilitator): stop waiting, revert. */
export class AbortedError extends Error {
  constructor(readonly reason?: string) {
    super(reason ?? 'interrupted');
    this.name = 'AbortedError';
  }
}

/** The abort's reason when someone gave one (a facilitator, a guard); Ctrl-C and SIGTERM give none. */
export function abortReason(signal: AbortSignal): string | undefined {
  return typeof signal.reason === 'string' ? signal.reason : undefined;
}
