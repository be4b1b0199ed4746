import { InputError } from '../core/errors.ts';

/**
 * A runbook document that does not have the expected shape. It is an input error (exit code 2): the
 * message names the file, the 1-based line, what the parser expected there and what it found.
 */
export class RunbookParseError extends InputError {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly expected: string,
    readonly found: string,
  ) {
    super([`${file}:${line}: expected ${expected}, found ${found}`]);
  }
}

/** Quotes a line of the document for an error message, shortened so the message stays one line. */
export function quoteLine(text: string | undefined): string {
  if (text === undefined) return 'the end of the document';
  const trimmed = text.trim();
  if (trimmed === '') return 'a blank line';
  return JSON.stringify(trimmed.length > 80 ? `${trimmed.slice(0, 77)}...` : trimmed);
}
