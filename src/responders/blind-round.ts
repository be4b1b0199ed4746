/**
 * A blind round's secret: the fault is named to nobody at the desk until the round ends, or until the
 * facilitator reveals it early (`gameday reveal`). What is shown meanwhile is decided from `revealed`.
 */
export class BlindRound {
  private revealedAt: number | undefined;

  /**
   * @param label how the round is called while blind ("blind round", "round 2")
   * @param answer the answer, as the facilitator reads it once revealed
   */
  constructor(
    readonly label: string,
    private readonly answer: readonly string[],
  ) {}

  get revealed(): boolean {
    return this.revealedAt !== undefined;
  }

  /** When it was revealed early (epoch ms), if it was. */
  get revealedEarlyAt(): number | undefined {
    return this.revealedAt;
  }

  /** Reveals it (once; revealing again changes nothing) and hands back the answer. */
  reveal(at: number): readonly string[] {
    this.revealedAt ??= at;
    return this.answer;
  }
}
