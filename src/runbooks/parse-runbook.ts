import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { InputError } from '../core/errors.ts';
import { type AlertTrigger, type IndexEntry, parseAlertTrigger } from './alert-trigger.ts';
import { findClaims, type RunbookClaim } from './claims.ts';
import { type DecisionPoint, findDecisionPoints } from './decision-points.ts';
import { type Block, type FenceBlock, type HeadingBlock, scanMarkdown, sectionEnd } from './markdown.ts';
import { quoteLine, RunbookParseError } from './parse-error.ts';
import { parseSeverityTable, type Severity } from './severity-table.ts';
import { loadSqlParser } from './sql-check/index.ts';
import type { CodeBlock } from './steps.ts';

export type { CodeBlock } from './steps.ts';

import { type RunbookStep, stepsOf } from './steps.ts';

export type { AlertTrigger, IndexEntry } from './alert-trigger.ts';
export type { RunbookClaim } from './claims.ts';
export type { DecisionPoint } from './decision-points.ts';
export { parseDuration } from './duration.ts';
export { RunbookParseError } from './parse-error.ts';
export type { Severity } from './severity-table.ts';
export type { RunbookStep } from './steps.ts';
export type { Baseline, Comparator, Threshold, ThresholdUnit } from './threshold.ts';

export interface Section {
  title: string;
  level: number;
  line: number;
}

export interface ParsedRunbook {
  number: number;
  title: string;
  /** 1-based line of the "## Runbook N: Title" heading. */
  line: number;
  /** The Runbook Index entry with the same number, e.g. "Elevated Error Rates (>1% increase)". */
  indexEntry?: string;
  alert?: AlertTrigger;
  /** Headings inside the runbook, in order. */
  sections: Section[];
  codeBlocks: CodeBlock[];
  /** Every SQL statement and shell command in the code blocks, in order, with its line. */
  steps: RunbookStep[];
  /** The measurable claims ("drops back to <0.5% within 2 minutes", "~2 MB"). */
  claims: RunbookClaim[];
  /** The branches ("If recent deployment: Proceed to …", "If connection fails → …"). */
  decisions: DecisionPoint[];
  /** The runbook's raw Markdown, from its heading to the next section (trailing rules and blanks removed). */
  text: string;
}

export interface RunbookDocument {
  file: string;
  /** The first level-1 heading. */
  title?: string;
  severities: Record<string, Severity>;
  runbooks: ParsedRunbook[];
  /** The fenced block under the post-mortem heading. */
  postmortemTemplate?: string;
  lines: string[];
}

const RUNBOOK_HEADING = /^Runbook\s+(.*)$/i;
const INDEX_HEADING = /\bindex\b/i;
const ALERT_HEADING = /^alert triggers?$/i;
const POSTMORTEM_HEADING = /\bpost-?mortem\b/i;
const LIST_ITEM = /^\s*(\d+)[.)]\s+(.*?)\s*$/;
const LINK = /^\[(.*)\]\([^)]*\)$/;
const BOLD_LINE = /^\s*\*\*(.+?)\*\*:?\s*$/;
const RULE_OR_BLANK = /^\s*(?:(?:[-*_]\s*){3,})?$/;

/** "Runbook 3: Database Saturation" → number and title; other headings ("Runbook Index") → undefined. */
function runbookHeading(
  heading: HeadingBlock,
  raw: string,
  file: string,
): { number: number; title: string } | undefined {
  const rest = RUNBOOK_HEADING.exec(heading.text)?.[1];
  if (rest === undefined) return undefined;
  const colon = rest.indexOf(':');
  if (colon === -1) {
    if (/^\d/.test(rest))
      throw new RunbookParseError(file, heading.line, '"Runbook N: Title"', quoteLine(raw));
    return undefined;
  }
  const number = rest.slice(0, colon).trim();
  const title = rest.slice(colon + 1).trim();
  if (!/^\d+$/.test(number)) {
    throw new RunbookParseError(
      file,
      heading.line,
      'a runbook number in "Runbook N: Title"',
      quoteLine(number),
    );
  }
  if (title === '')
    throw new RunbookParseError(file, heading.line, 'a title after "Runbook N:"', quoteLine(raw));
  return { number: Number(number), title };
}

function parseIndex(blocks: readonly Block[]): Map<number, IndexEntry> {
  const entries = new Map<number, IndexEntry>();
  const start = blocks.findIndex((block) => block.kind === 'heading' && INDEX_HEADING.test(block.text));
  if (start === -1) return entries;
  for (const block of blocks.slice(start + 1, sectionEnd(blocks, start))) {
    const item = block.kind === 'text' ? LIST_ITEM.exec(block.text) : null;
    if (!item) continue;
    const text = LINK.exec(item[2]!)?.[1] ?? item[2]!;
    if (!entries.has(Number(item[1]))) entries.set(Number(item[1]), { text, line: block.line });
  }
  return entries;
}

/** The fenced block that must follow an Alert Trigger heading (blank lines aside). */
function alertFence(
  blocks: readonly Block[],
  at: number,
  lines: readonly string[],
  file: string,
): FenceBlock {
  const heading = blocks[at]!;
  const next = blocks.slice(at + 1).find((block) => block.kind !== 'text' || block.text.trim() !== '');
  if (next?.kind === 'fence') return next;
  throw new RunbookParseError(
    file,
    next?.line ?? heading.line,
    `a fenced code block after "${lines[heading.line - 1]!.trim()}"`,
    quoteLine(next && lines[next.line - 1]),
  );
}

function labelAbove(blocks: readonly Block[], at: number): string | undefined {
  for (let i = at - 1; i >= 0; i--) {
    const block = blocks[i]!;
    if (block.kind === 'text' && block.text.trim() === '') continue;
    return block.kind === 'text' ? BOLD_LINE.exec(block.text)?.[1]?.trim() : undefined;
  }
  return undefined;
}

function parseOne(
  blocks: readonly Block[],
  start: number,
  end: number,
  heading: { number: number; title: string },
  context: {
    lines: string[];
    index: Map<number, IndexEntry>;
    severities: Record<string, Severity>;
    file: string;
  },
): ParsedRunbook {
  const { lines, index, severities, file } = context;
  const first = blocks[start]!;
  const runbook: ParsedRunbook = {
    ...heading,
    line: first.line,
    sections: [],
    codeBlocks: [],
    steps: [],
    claims: [],
    decisions: [],
    text: '',
  };
  const entry = index.get(heading.number);
  if (entry) runbook.indexEntry = entry.text;

  let section = (first as HeadingBlock).text;
  for (let i = start + 1; i < end; i++) {
    const block = blocks[i]!;
    if (block.kind === 'heading') {
      section = block.text;
      runbook.sections.push({ title: block.text, level: block.level, line: block.line });
      if (ALERT_HEADING.test(block.text) && !runbook.alert) {
        runbook.alert = parseAlertTrigger(alertFence(blocks, i, lines, file), entry, severities, file);
      }
    } else if (block.kind === 'fence') {
      const codeBlock: CodeBlock = {
        lang: block.lang,
        code: block.code.join('\n'),
        line: block.codeLine,
        endLine: block.closeLine - 1,
        section,
      };
      const label = labelAbove(blocks, i);
      if (label) codeBlock.label = label;
      runbook.codeBlocks.push(codeBlock);
    }
  }

  const endLine = blocks[end]?.line ?? lines.length + 1;
  // The Alert Trigger's fence describes the alert; it is not something to run.
  runbook.steps = runbook.codeBlocks.filter((block) => block.line !== runbook.alert?.line).flatMap(stepsOf);
  const sectionAt = (line: number) =>
    runbook.sections.findLast((candidate) => candidate.line <= line)?.title ?? heading.title;
  const alertLines = runbook.alert
    ? [runbook.alert.line, runbook.alert.line + runbook.alert.lines.length - 1]
    : [0, 0];
  runbook.claims = findClaims(lines, first.line, endLine - 1, sectionAt).filter(
    (claim) => claim.line < alertLines[0]! || claim.line > alertLines[1]!,
  );
  runbook.decisions = findDecisionPoints(lines, first.line, endLine - 1, sectionAt);
  const text = lines.slice(first.line - 1, endLine - 1);
  while (text.length > 1 && RULE_OR_BLANK.test(text.at(-1)!)) text.pop();
  runbook.text = text.join('\n');
  return runbook;
}

function postmortemTemplate(
  blocks: readonly Block[],
  outsideRunbooks: (at: number) => boolean,
): string | undefined {
  for (let i = 0; i < blocks.length; i++) {
    const block = blocks[i]!;
    if (block.kind !== 'heading' || !POSTMORTEM_HEADING.test(block.text) || !outsideRunbooks(i)) continue;
    const fence = blocks.slice(i + 1, sectionEnd(blocks, i)).find((inner) => inner.kind === 'fence');
    if (fence) return fence.code.join('\n');
  }
  return undefined;
}

/** Parses an incident-runbook document; throws RunbookParseError naming the line of the first problem. */
export function parseRunbook(markdown: string, file: string): RunbookDocument {
  const lines = markdown.split(/\r?\n/);
  const blocks = scanMarkdown(lines, file);
  const severities = parseSeverityTable(blocks, file);
  const index = parseIndex(blocks);

  const starts: { at: number; heading: { number: number; title: string } }[] = [];
  blocks.forEach((block, at) => {
    if (block.kind !== 'heading') return;
    const heading = runbookHeading(block, lines[block.line - 1]!, file);
    if (!heading) return;
    const twin = starts.find((start) => start.heading.number === heading.number);
    if (twin) {
      throw new RunbookParseError(
        file,
        block.line,
        `a runbook number not used before (Runbook ${heading.number} is at line ${blocks[twin.at]!.line})`,
        quoteLine(lines[block.line - 1]),
      );
    }
    starts.push({ at, heading });
  });
  if (starts.length === 0) {
    throw new RunbookParseError(
      file,
      1,
      'at least one "## Runbook N: Title" section',
      'none in the document',
    );
  }
  for (const [number, entry] of index) {
    if (!starts.some((start) => start.heading.number === number)) {
      throw new RunbookParseError(
        file,
        entry.line,
        `a "Runbook ${number}:" section for this index entry`,
        'none',
      );
    }
  }

  const ranges = starts.map(({ at, heading }, i) => ({
    at,
    heading,
    end: Math.min(sectionEnd(blocks, at), starts[i + 1]?.at ?? blocks.length),
  }));
  const context = { lines, index, severities, file };
  const document: RunbookDocument = {
    file,
    severities,
    runbooks: ranges.map(({ at, end, heading }) => parseOne(blocks, at, end, heading, context)),
    lines,
  };
  const title = blocks.find((block) => block.kind === 'heading' && block.level === 1);
  if (title?.kind === 'heading') document.title = title.text;
  const template = postmortemTemplate(
    blocks,
    (at) => !ranges.some((range) => at >= range.at && at < range.end),
  );
  if (template !== undefined) document.postmortemTemplate = template;
  return document;
}

/** Reads and parses a runbook file; errors name the path as given. */
export async function readRunbook(path: string | URL): Promise<RunbookDocument> {
  const file = path instanceof URL ? fileURLToPath(path) : path;
  let markdown: string;
  try {
    markdown = await readFile(file, 'utf8');
  } catch (error) {
    throw new InputError([
      `${file}: cannot read the runbook (${(error as NodeJS.ErrnoException).code}); pass --runbook FILE`,
    ]);
  }
  // SQL blocks are cut into statements by PostgreSQL's own scanner.
  await loadSqlParser();
  return parseRunbook(markdown, file);
}
