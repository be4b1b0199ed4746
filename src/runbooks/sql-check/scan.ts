/**
 * PostgreSQL's own scanner over a checked text, made total: where it rejects the text (an unterminated
 * quote or comment, junk such as `1abc`, a psql meta-command whose arguments hold a stray quote), the
 * parser says where, and scanning goes on past that point, so one bad statement does not hide the rest.
 */
import type { ScanToken } from 'libpg-query';
import { parseSql, scanSql } from './parser.ts';
import type { SourceText } from './source-text.ts';

export interface Token {
  /** UTF-16 range in the source. */
  start: number;
  end: number;
  text: string;
  comment?: boolean;
}

/** Attempts to get past scanner errors before the rest is taken as one piece (bounds the time on junk). */
const MAX_ATTEMPTS = 50;

/** The C scanner stops at a NUL; a space keeps the byte offsets the same. */
export function scannable(text: string): string {
  return text.includes('\0') ? text.replaceAll('\0', ' ') : text;
}

/**
 * The tokens from UTF-16 index `from` to the end of the text, or up to and including a `\` that the
 * scanner could not get past (a psql meta-command: the caller resumes after its line).
 */
export function tokensFrom(source: SourceText, from: number): Token[] {
  const text = source.text;
  const tokens: Token[] = [];
  let at = from;
  for (let attempt = 0; at < text.length; attempt++) {
    const chunk = scannable(text.slice(at));
    const scanned = scanSql(chunk);
    if (scanned) {
      append(tokens, source, scanned, at);
      return tokens;
    }
    const error = attempt < MAX_ATTEMPTS ? parseSql(chunk) : undefined;
    if (error?.kind !== 'syntax') break;
    const errorAt = source.advanceCodePoints(at, error.cursor);
    const before = errorAt > at ? scanSql(scannable(text.slice(at, errorAt))) : [];
    if (!before) break;
    append(tokens, source, before, at);
    // An unterminated quote, dollar quote or comment runs to the end, as it does for psql.
    if (error.message.startsWith('unterminated')) {
      tokens.push(piece(text, errorAt, text.length));
      return tokens;
    }
    const near = /at or near "(.*)"$/s.exec(error.message)?.[1];
    const length = near && text.startsWith(near, errorAt) ? near.length : 1;
    tokens.push(piece(text, errorAt, errorAt + length));
    if (near === '\\') return tokens;
    at = errorAt + length;
  }
  if (at < text.length) tokens.push(piece(text, at, text.length));
  return tokens;
}

function piece(text: string, start: number, end: number): Token {
  return { start, end, text: text.slice(start, end) };
}

function append(tokens: Token[], source: SourceText, scanned: ScanToken[], at: number): void {
  const base = source.byteOf(at);
  for (const token of scanned) {
    const start = source.indexOfByte(base + token.start);
    const end = source.indexOfByte(base + token.end);
    const comment = token.tokenName === 'SQL_COMMENT' || token.tokenName === 'C_COMMENT';
    tokens.push({ start, end, text: source.text.slice(start, end), ...(comment ? { comment } : {}) });
  }
}
