/**
 * Errors that say whose fault a failure is, each with the exit code the CLI contract gives it:
 * 2 invalid input (fix your scenario, flag or file), 3 the stack cannot be reached or started.
 */
export class GamedayError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Something the user gave us is wrong; `problems` lists every one, each naming where and how to fix it. */
export class InputError extends GamedayError {
  constructor(
    readonly problems: string[],
    options?: ErrorOptions,
  ) {
    super(
      problems.length === 1
        ? problems[0]!
        : `${problems.length} problems:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
      2,
      options,
    );
  }
}

export class StackUnavailableError extends GamedayError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, 3, options);
  }
}
