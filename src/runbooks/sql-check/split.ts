/**
 * Splits a SQL text into statements the way psql does when it runs a file: at `;` outside quotes,
 * comments, parentheses and `BEGIN ATOMIC … END` bodies, with backslash meta-commands taking the rest
 * of their line (`\gset` and the other `\g` forms also end the statement), `COPY … FROM STDIN` data
 * skipped up to `\.`, and psql variables (`:name`, `:'name'`, `:"name"`) replaced by placeholders of
 * the same length, so positions stay those of the text as written.
 */
import { scannable, type Token, tokensFrom } from './scan.ts';
import type { SourceText } from './source-text.ts';

export interface StatementText {
  /** UTF-16 range in the source: its first token to its `;` (or last token). */
  start: number;
  end: number;
  /** What the parser is given: the statement with psql variables replaced (same length and bytes). */
  sql: string;
  tokens: Token[];
}

interface Range {
  start: number;
  end: number;
}

export interface SplitSql {
  statements: StatementText[];
  /** UTF-16 ranges of the psql meta-commands. */
  psqlCommands: Range[];
  /** Identifiers standing for psql variables (`:name` → `_name`): any table or column. */
  placeholders: Set<string>;
}

/** Meta-commands that send the query buffer (so end the statement). */
const SENDS = /^\\(?:g|gx|gset|gexec|gdesc|crosstabview|watch)(?![A-Za-z])/;
const WORD = /^[A-Za-z_\u0080-\uffff][\w$\u0080-\uffff]*$/;
const VARIABLE = /^(?:[A-Za-z_][A-Za-z0-9_]*|'[A-Za-z_][A-Za-z0-9_]*'|"[A-Za-z_][A-Za-z0-9_]*")$/;

export function splitSql(source: SourceText): SplitSql {
  const text = source.text;
  const result: SplitSql = { statements: [], psqlCommands: [], placeholders: new Set() };
  let current: Token[] = [];
  /** Meta-commands between the current statement's lines: blanked out of what the parser gets. */
  let within: Range[] = [];
  let nesting = new PsqlNesting();
  /** Ends the statement so far; returns it when there was one. */
  const finish = (): StatementText | undefined => {
    const tokens = current;
    const commands = within;
    current = [];
    within = [];
    nesting = new PsqlNesting();
    if (!tokens.some((token) => token.text !== ';')) return undefined;
    const statement = statementOf(text, tokens, commands, result.placeholders);
    result.statements.push(statement);
    return statement;
  };
  let from = 0;
  while (from < text.length) {
    const tokens = tokensFrom(source, from);
    from = text.length;
    for (let i = 0; i < tokens.length; i++) {
      const token = tokens[i]!;
      if (token.comment) continue;
      if (token.text === '\\') {
        const end = source.lineEnd(token.start);
        const command = text.slice(token.start, end).trimEnd();
        if (command.startsWith('\\;')) {
          // `\;` joins statements into one send; each is still a statement of its own.
          result.psqlCommands.push({ start: token.start, end: token.start + 2 });
          finish();
          i++;
          continue;
        }
        const range = { start: token.start, end: token.start + command.length };
        result.psqlCommands.push(range);
        if (SENDS.test(command)) finish();
        else if (current.length > 0) within.push(range);
        if (/^\\copy\b.*\bfrom\s+p?stdin\b/i.test(command)) {
          from = afterCopyData(text, end);
          break;
        }
        // The command's arguments are the rest of the line, whatever the SQL scanner made of them.
        let next = i + 1;
        while (next < tokens.length && tokens[next]!.start < end) next++;
        if (next === tokens.length || tokens[next - 1]!.end > end) {
          from = end;
          break;
        }
        i = next - 1;
        continue;
      }
      current.push(token);
      if (token.text === ';' && nesting.atTop()) {
        const statement = finish();
        if (statement && isCopyFromStdin(statement.tokens)) {
          from = afterCopyData(text, source.lineEnd(token.start));
          break;
        }
        continue;
      }
      nesting.track(token);
    }
  }
  finish();
  return result;
}

/** psql's rule for where a `;` ends a statement: not inside parentheses or a routine's BEGIN … END. */
class PsqlNesting {
  private parentheses = 0;
  private begins = 0;
  private words: string[] = [];

  atTop(): boolean {
    return this.parentheses === 0 && this.begins === 0;
  }

  track(token: Token): void {
    if (token.text === '(') this.parentheses++;
    else if (token.text === ')') this.parentheses = Math.max(0, this.parentheses - 1);
    else if (WORD.test(token.text)) this.word(token.text.toLowerCase());
  }

  /** As psqlscan.l: only a CREATE [OR REPLACE] FUNCTION/PROCEDURE counts BEGIN, CASE and END. */
  private word(word: string): void {
    if (this.words.length < 4) this.words.push(word);
    const [first, second, third, fourth] = this.words;
    const routine = (w: string | undefined) => w === 'function' || w === 'procedure';
    const defining =
      first === 'create' && (routine(second) || (second === 'or' && third === 'replace' && routine(fourth)));
    if (!defining || this.parentheses > 0) return;
    if (word === 'begin') this.begins++;
    else if (word === 'case' && this.begins > 0) this.begins++;
    else if (word === 'end' && this.begins > 0) this.begins--;
  }
}

function statementOf(
  text: string,
  tokens: Token[],
  commands: Range[],
  placeholders: Set<string>,
): StatementText {
  const start = tokens[0]!.start;
  const end = tokens[tokens.length - 1]!.end;
  const parts: string[] = [];
  let copied = start;
  const replace = (from: number, to: number, replacement: string) => {
    parts.push(text.slice(copied, from), replacement);
    copied = to;
  };
  const inside = commands.filter((command) => command.start < end);
  let brackets = 0;
  const blank = (command: Range) =>
    replace(
      command.start,
      command.end,
      ' '.repeat(Buffer.byteLength(text.slice(command.start, command.end))),
    );
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    if (token.text === '[') brackets++;
    else if (token.text === ']') brackets = Math.max(0, brackets - 1);
    const next = tokens[i + 1];
    if (token.text !== ':' || !next || next.start !== token.end || !VARIABLE.test(next.text)) continue;
    // `:name` inside brackets is an array slice (`a[1:n]`), as psql leaves it when no such variable.
    const quote = next.text[0] === "'" || next.text[0] === '"' ? next.text[0] : undefined;
    if (!quote && brackets > 0) continue;
    const name = quote ? next.text.slice(1, -1) : next.text;
    // Unquoted, the parser folds the placeholder to lower case.
    placeholders.add(quote ? `_${name}` : `_${name.toLowerCase()}`);
    // :'name' → ' 'name' (a literal); :"name" → "_name" ; :name → _name (an identifier).
    const replacement = quote === "'" ? ` ${next.text}` : quote === '"' ? `"_${name}"` : `_${name}`;
    while (inside[0] && inside[0].start < token.start) blank(inside.shift()!);
    replace(token.start, next.end, replacement);
  }
  for (const command of inside) blank(command);
  parts.push(text.slice(copied, end));
  return { start, end, sql: scannable(parts.join('')), tokens };
}

function isCopyFromStdin(tokens: Token[]): boolean {
  const words = tokens.map((token) => token.text.toLowerCase());
  return (
    words[0] === 'copy' && words.some((word, i) => word === 'from' && /^p?stdin$/.test(words[i + 1] ?? ''))
  );
}

/** Where SQL resumes after COPY data that starts on the line after `lineEnd`: past its `\.` line. */
function afterCopyData(text: string, lineEnd: number): number {
  const terminator = /^\\\.\r?$/m;
  const rest = text.slice(lineEnd + 1);
  const match = terminator.exec(rest);
  return match ? lineEnd + 1 + match.index + match[0].length : text.length;
}
