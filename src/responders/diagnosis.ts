import { CAUSES, type Cause, causesOf, type FaultFacts } from './causes.ts';

/**
 * How a responder's root cause ("gameday mark root-cause 'text'") compares with what was injected:
 *
 * - right: it names a cause of every injected fault (for each, a cause of the fault itself or of the
 *   runbook procedure that answers it) and nothing else;
 * - partly right: it names some of them, or the right one among wrong ones (a list of guesses);
 * - wrong: it names causes, none of them injected;
 * - vague: it names no cause at all (it restates the alert, or says "something with the database").
 *
 * A cause is named by the words in src/responders/causes.ts, clause by clause; one negated in its
 * clause ("not the deploy", "the index is fine") is not named.
 */
export type DiagnosisVerdict = 'right' | 'partly right' | 'wrong' | 'vague';

export interface DiagnosisJudgement {
  verdict: DiagnosisVerdict;
  /** The causes the text names, by id. */
  named: string[];
  /** Why, in words: what it named and what was injected. */
  detail: string;
}

/** Up to this many words between a subject and its problem ("the release we shipped is broken"). */
const NEAR_WORDS = 3;
const NEGATION =
  /\b(?:not|no|never|isn'?t|wasn'?t|aren'?t|weren'?t|doesn'?t|didn'?t|rules? out|ruled out|ruling out|excluded?|unlikely|nothing to do with)\b/;
const CLEARED_AFTER =
  /^\W*(?:\w+\W+){0,3}?(?:(?:is|was|are|were)?\s*(?:not|n't)\s+(?:the\s+)?(?:cause|problem|issue|culprit|it|to blame)\b|ruled out\b|(?:is|are|was|were|looks?|seems?)\s+(?:fine|ok|okay|healthy|normal|innocent)\b)/;

const any = (sources: readonly string[]) => `(?:${sources.join('|')})`;

/** Each cause's patterns, compiled once. */
const PATTERNS = new Map<string, RegExp[]>(CAUSES.map((cause) => [cause.id, patternsOf(cause)]));

function patternsOf(cause: Cause): RegExp[] {
  const patterns = cause.phrases.map((phrase) => new RegExp(`\\b${phrase}\\b`, 'g'));
  if (cause.subjects && cause.problems) {
    const gap = `(?:\\W+[\\w'.-]+){0,${NEAR_WORDS}}?\\W+`;
    const subject = `\\b${any(cause.subjects)}\\b`;
    const problem = `\\b${any(cause.problems)}\\b`;
    patterns.push(
      new RegExp(`${subject}${gap}${problem}`, 'g'),
      new RegExp(`${problem}${gap}${subject}`, 'g'),
    );
  }
  return patterns;
}

/** Lower case, one space between words; versions (1.5.0), names (pg_blocking_pids) and apostrophes kept. */
function normalise(text: string): string {
  return text
    .toLowerCase()
    .replace(/[’‘]/g, "'")
    .replace(/[^a-z0-9_.'\-,;:!?]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/** Clauses, split where a sentence or a contrast ends. */
function clauses(text: string): string[] {
  return normalise(text)
    .split(/[.;:!?](?=\s|$)|,|\bbut\b|\bhowever\b|\bwhereas\b|\bthough\b/)
    .map((clause) => clause.trim())
    .filter(Boolean);
}

/** A match negated within its clause: a negation in the three words before it, or cleared after it. */
function negated(clause: string, index: number, length: number): boolean {
  const before = clause.slice(0, index).trim().split(' ').slice(-3).join(' ');
  return NEGATION.test(before) || CLEARED_AFTER.test(clause.slice(index + length));
}

/** The causes a text names (not negated), in catalogue order. */
export function namedCauses(text: string): Cause[] {
  const parts = clauses(text);
  return CAUSES.filter((cause) =>
    parts.some((clause) =>
      PATTERNS.get(cause.id)!.some((pattern) =>
        [...clause.matchAll(pattern)].some((match) => !negated(clause, match.index, match[0].length)),
      ),
    ),
  );
}

/** What the incident's right diagnosis must name: per fault, the causes of it or of its procedure. */
export interface IncidentFacts {
  faults: (FaultFacts & { description: string })[];
  /** Each alert's procedure, and the fault (index) it answers. */
  procedures: { fault: number; procedure?: string }[];
}

/** For each injected fault, the causes that name it rightly (a fault the catalogue cannot name is left out). */
export function rightCauses(incident: IncidentFacts): { description: string; causes: Cause[] }[] {
  return incident.faults
    .map((fault, index) => {
      const causes = new Map(causesOf(fault).map((cause) => [cause.id, cause]));
      for (const { procedure } of incident.procedures.filter((p) => p.fault === index))
        for (const cause of causesOf(undefined, procedure)) causes.set(cause.id, cause);
      return { description: fault.description, causes: [...causes.values()] };
    })
    .filter((part) => part.causes.length > 0);
}

/** Judges one diagnosis against the incident (see the verdicts above). */
export function judgeDiagnosis(text: string, incident: IncidentFacts): DiagnosisJudgement {
  const named = namedCauses(text);
  const parts = rightCauses(incident);
  const accepted = new Set(parts.flatMap((part) => part.causes.map((cause) => cause.id)));
  const covered = parts.filter((part) => part.causes.some((cause) => named.includes(cause)));
  const wrong = named.filter((cause) => !accepted.has(cause.id));
  const titles = (causes: readonly Cause[]) => causes.map((cause) => cause.title).join('; ');
  const injected = parts.map((part) => part.description).join(' + ');
  let verdict: DiagnosisVerdict;
  if (named.length === 0) verdict = 'vague';
  else if (covered.length === 0) verdict = 'wrong';
  else if (covered.length === parts.length && wrong.length === 0) verdict = 'right';
  else verdict = 'partly right';
  const detail =
    named.length === 0
      ? `names no cause; injected: ${injected}`
      : `names ${titles(named)}${wrong.length ? ` (not injected: ${titles(wrong)})` : ''}; injected: ${injected}${
          covered.length < parts.length
            ? `; not named: ${parts
                .filter((part) => !covered.includes(part))
                .map((part) => part.description)
                .join(' + ')}`
            : ''
        }`;
  return { verdict, named: named.map((cause) => cause.id), detail };
}
