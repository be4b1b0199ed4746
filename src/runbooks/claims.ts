import { parseDuration } from './duration.ts';

/** A number the runbook promises about the live system, that a game day can measure. */
export interface RunbookClaim {
  /** 1-based line in the document. */
  line: number;
  /** The sentence as written, without comment markers. */
  text: string;
  section: string;
  kind: 'time' | 'ratio' | 'size' | 'latency';
  /** How the measurement must compare with `value`. */
  bound: 'at-most' | 'at-least' | 'about';
  /** In the claim's unit: milliseconds for time and latency, a fraction for ratio, bytes for size. */
  value: number;
  /** The quantity as written ("2 minutes", "~2 MB", ">99%"). */
  quantity: string;
}

/** How `gameday runbook fix` starts the note it writes beside each step it changed. */
export const FIX_MARK = 'gameday runbook fix:';

const SIZE_UNITS: Record<string, number> = { kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 };

/** A line is a claim when it says what must happen or how much something is, not what to do if. */
const CLAIM_CUE =
  /\b(within|usually|typically|should be|expected|returns? to|drops? (?:back )?to|consumes?)\b|~\s*\d/i;
const DECISION_CUE = /\bif\b/i;
/** Deadlines for people ("Post-mortem within 24 hours"), not claims about the system. */
const PROCESS_SECTION = /post-incident|follow-up|escalation|contacts/i;
const PROCESS_CUE = /^\*+within\b|post-mortem|follow-up/i;

/**
 * The measurable claims in one runbook's lines: "drops back to <0.5% within 2 minutes", "usually 60
 * seconds", "each connection consumes ~2 MB", "(should be >99%)", "Expected: Index scan, <50ms".
 * Decision rules ("If >80% … →") and alert triggers are not claims.
 */
export function findClaims(
  lines: readonly string[],
  from: number,
  to: number,
  sectionAt: (line: number) => string,
): RunbookClaim[] {
  const claims: RunbookClaim[] = [];
  for (let line = from; line <= to; line++) {
    // An HTML comment is not shown when the Markdown is rendered, and what `gameday runbook fix` notes
    // about its change is evidence, not a promise: no claim is made in either.
    const raw = (lines[line - 1] ?? '').replace(/<!--.*?-->/g, '').split(FIX_MARK)[0]!;
    const text = raw
      .replace(/^\s*(?:#+|--|[-*](?!\*))\s*/, '')
      .replace(/\*\*/g, '')
      .trim();
    if (!CLAIM_CUE.test(text) || DECISION_CUE.test(text) || text.startsWith('|')) continue;
    const section = sectionAt(line);
    if (PROCESS_SECTION.test(section) || PROCESS_CUE.test(text)) continue;
    for (const claim of quantities(text)) claims.push({ line, text, section, ...claim });
  }
  return claims;
}

function quantities(text: string): Omit<RunbookClaim, 'line' | 'text' | 'section'>[] {
  const found: Omit<RunbookClaim, 'line' | 'text' | 'section'>[] = [];
  // "within 2 minutes", "usually 60 seconds": a duration.
  for (const match of text.matchAll(
    /\b(within|usually|typically|after)\s+(\d+(?:\.\d+)?\s*(?:ms|milliseconds?|s|sec(?:ond)?s?|min(?:ute)?s?|h(?:ours?)?))\b/gi,
  )) {
    const ms = parseDuration(match[2]!);
    if (ms === undefined) continue;
    found.push({
      kind: 'time',
      bound: match[1]!.toLowerCase() === 'within' ? 'at-most' : 'about',
      value: ms,
      quantity: match[0],
    });
  }
  // "<0.5%", ">99%": a ratio with a bound.
  for (const match of text.matchAll(/([<>]=?|~)\s*(\d+(?:\.\d+)?)\s*%/g)) {
    found.push({ kind: 'ratio', bound: bound(match[1]!), value: Number(match[2]) / 100, quantity: match[0] });
  }
  // "~2 MB": a size.
  for (const match of text.matchAll(/(~|[<>]=?)?\s*(\d+(?:\.\d+)?)\s*(KB|MB|GB)\b/gi)) {
    found.push({
      kind: 'size',
      bound: bound(match[1] ?? '~'),
      value: Number(match[2]) * SIZE_UNITS[match[3]!.toLowerCase()]!,
      quantity: match[0].trim(),
    });
  }
  // "<50ms": a latency with a bound (not part of a "within" duration above).
  for (const match of text.matchAll(/([<>]=?|~)\s*(\d+(?:\.\d+)?)\s*(ms|s)\b/g)) {
    const ms = parseDuration(`${match[2]}${match[3]}`);
    if (ms !== undefined)
      found.push({ kind: 'latency', bound: bound(match[1]!), value: ms, quantity: match[0] });
  }
  return found;
}

function bound(sign: string): RunbookClaim['bound'] {
  if (sign.startsWith('<')) return 'at-most';
  if (sign.startsWith('>')) return 'at-least';
  return 'about';
}
