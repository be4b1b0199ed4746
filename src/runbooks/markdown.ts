import { quoteLine, RunbookParseError } from './parse-error.ts';

/**
 * A small line-based Markdown scanner: it splits a document into ATX headings, fenced code blocks and
 * plain lines, following CommonMark's fence rules (``` or ~~~, at most 3 spaces of indentation, closed
 * by the same character at least as many times), so nothing inside a fence is ever taken for a heading.
 * Setext headings and indented code blocks are not recognized; runbooks do not use them.
 */

export interface HeadingBlock {
  kind: 'heading';
  /** 1-based line. */
  line: number;
  level: number;
  text: string;
}

export interface FenceBlock {
  kind: 'fence';
  /** 1-based line of the opening fence. */
  line: number;
  /** First word of the info string ('' when there is none). */
  lang: string;
  /** The code lines, with the fence's own indentation removed. */
  code: string[];
  /** 1-based line of the first code line and of the closing fence. */
  codeLine: number;
  closeLine: number;
}

export interface TextBlock {
  kind: 'text';
  line: number;
  text: string;
}

export type Block = HeadingBlock | FenceBlock | TextBlock;

const HEADING = /^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$/;
const FENCE_OPEN = /^( {0,3})(`{3,}|~{3,})(.*)$/;

export function scanMarkdown(lines: readonly string[], file: string): Block[] {
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const text = lines[i]!;
    const line = i + 1;
    const fence = FENCE_OPEN.exec(text);
    // A backtick fence's info string may not contain backticks (that is inline code, not a fence).
    if (fence && !(fence[2]!.startsWith('`') && fence[3]!.includes('`'))) {
      const [, indent, marker] = fence as unknown as [string, string, string, string];
      const close = new RegExp(`^ {0,3}${marker[0] === '`' ? '`' : '~'}{${marker.length},}[ \\t]*$`);
      const end = lines.findIndex((candidate, j) => j > i && close.test(candidate));
      if (end === -1) {
        throw new RunbookParseError(
          file,
          line,
          `a closing ${marker} for the code block opened here`,
          quoteLine(undefined),
        );
      }
      const strip = new RegExp(`^ {0,${indent.length}}`);
      blocks.push({
        kind: 'fence',
        line,
        lang: fence[3]!.trim().split(/\s+/)[0] ?? '',
        code: lines.slice(i + 1, end).map((codeLine) => codeLine.replace(strip, '')),
        codeLine: line + 1,
        closeLine: end + 1,
      });
      i = end;
      continue;
    }
    const heading = HEADING.exec(text);
    if (heading) {
      blocks.push({ kind: 'heading', line, level: heading[1]!.length, text: (heading[2] ?? '').trim() });
    } else {
      blocks.push({ kind: 'text', line, text });
    }
  }
  return blocks;
}

/** Index of the block after the section that the heading at `start` opens (next heading of the same or a higher level). */
export function sectionEnd(blocks: readonly Block[], start: number): number {
  const heading = blocks[start];
  if (heading?.kind !== 'heading') return start + 1;
  for (let i = start + 1; i < blocks.length; i++) {
    const block = blocks[i]!;
    if (block.kind === 'heading' && block.level <= heading.level) return i;
  }
  return blocks.length;
}
