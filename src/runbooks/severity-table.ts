import { parseDuration } from './duration.ts';
import type { Block } from './markdown.ts';
import { quoteLine, RunbookParseError } from './parse-error.ts';

export interface Severity {
  level: string;
  description: string;
  /** As written: "<5 min", "Next business day". */
  responseTimeText: string;
  /** "<5 min" → 300000; undefined when the response time is not a duration ("Next business day"). */
  responseTimeMs?: number;
  line: number;
}

/** A level is a short name and a number: P0, SEV1, SEV-2. */
const LEVEL = /^[A-Za-z]{1,5}-?\d+$/;
const DELIMITER_ROW = /^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$/;

function cells(row: string): string[] {
  const inner = row
    .trim()
    .replace(/^\|/, '')
    .replace(/(?<!\\)\|$/, '');
  return inner.split(/(?<!\\)\|/).map((cell) => cell.trim().replace(/\\\|/g, '|'));
}

/** Markdown emphasis and code marks around a cell: "**P0**" → "P0". */
const plain = (cell: string): string => cell.replace(/^[*_`]+|[*_`]+$/g, '').trim();

/**
 * Reads the severity table: the first table whose header has a "Level" and a "Response Time" column
 * (other columns, and their order, are free).
 */
export function parseSeverityTable(blocks: readonly Block[], file: string): Record<string, Severity> {
  for (let i = 0; i + 1 < blocks.length; i++) {
    const header = blocks[i]!;
    const delimiter = blocks[i + 1]!;
    if (header.kind !== 'text' || delimiter.kind !== 'text' || !header.text.trim().startsWith('|')) continue;
    if (!DELIMITER_ROW.test(delimiter.text)) continue;
    const names = cells(header.text).map((cell) => plain(cell).toLowerCase());
    const levelColumn = names.indexOf('level');
    const timeColumn = names.indexOf('response time');
    if (levelColumn === -1 || timeColumn === -1) continue;
    const descriptionColumn = names.indexOf('description');

    const severities: Record<string, Severity> = {};
    for (let j = i + 2; j < blocks.length; j++) {
      const row = blocks[j]!;
      if (row.kind !== 'text' || !row.text.trim().startsWith('|')) break;
      const values = cells(row.text);
      const level = plain(values[levelColumn] ?? '');
      if (!LEVEL.test(level)) {
        throw new RunbookParseError(
          file,
          row.line,
          'a severity level such as P0 or SEV1 in the Level column',
          quoteLine(values[levelColumn]),
        );
      }
      if (severities[level]) {
        throw new RunbookParseError(
          file,
          row.line,
          `a severity level not already in the table (${level} is at line ${severities[level].line})`,
          quoteLine(row.text),
        );
      }
      const responseTimeText = plain(values[timeColumn] ?? '');
      if (responseTimeText === '') {
        throw new RunbookParseError(file, row.line, `a response time for ${level}`, quoteLine(row.text));
      }
      severities[level] = {
        level,
        description: plain(values[descriptionColumn] ?? ''),
        responseTimeText,
        responseTimeMs: parseDuration(responseTimeText),
        line: row.line,
      };
    }
    if (Object.keys(severities).length === 0) {
      throw new RunbookParseError(file, header.line + 2, 'a severity row such as | **P0** | ... |', 'none');
    }
    return severities;
  }
  throw new RunbookParseError(
    file,
    1,
    'a severity table (| Level | Description | Response Time | Escalation |)',
    'none in the document',
  );
}
