/** Loading PostgreSQL's own parser (libpg-query, WASM) and calling it without letting it crash us. */
import { loadModule, type ParseResult, parseSync, type ScanToken, scanSync } from 'libpg-query';

let parserLoading: Promise<void> | undefined;
let parserLoaded = false;

/** Loads the WASM parser; call (and await) once before `checkSql` / `schemaFromSql`. Idempotent. */
export async function loadSqlParser(): Promise<void> {
  parserLoading ??= loadModule().then(() => {
    parserLoaded = true;
  });
  try {
    await parserLoading;
  } catch (error) {
    parserLoading = undefined;
    throw error;
  }
}

export function requireParser(): void {
  if (!parserLoaded) throw new Error('the SQL parser is not loaded: await loadSqlParser() first');
}

export type Parsed =
  | { kind: 'parsed'; result: ParseResult }
  /** `cursor`: code points into the parsed text. */
  | { kind: 'syntax'; message: string; cursor: number }
  | { kind: 'overflow' };

/**
 * Parses one statement's text. A statement whose tree is too deep makes the WASM parser overflow the
 * stack; that is caught here, but callers should not rely on it: after a few dozen such overflows the
 * module's memory is corrupt (see `nesting.ts`, which keeps such statements away from the parser).
 */
export function parseSql(text: string): Parsed {
  try {
    return { kind: 'parsed', result: parseSync(text) };
  } catch (error) {
    if (error instanceof RangeError) return { kind: 'overflow' };
    const details = (error as { sqlDetails?: { message?: unknown; cursorPosition?: unknown } }).sqlDetails;
    if (typeof details?.message === 'string' && typeof details.cursorPosition === 'number')
      return { kind: 'syntax', message: details.message, cursor: details.cursorPosition };
    throw error;
  }
}

/** The scanner's tokens (byte offsets into `text`), or undefined when it rejects the text. */
export function scanSql(text: string): ScanToken[] | undefined {
  try {
    return scanSync(text).tokens;
  } catch {
    // The scanner's error carries no position; the caller asks the parser where it is.
    return undefined;
  }
}
