import { labelOf } from './judge-label.ts';
import type { ParsedRunbook } from './parse-runbook.ts';
import type { RunbookStep } from './steps.ts';

/** Sections that say what to do about a finding, rather than how to look. */
const PROCEDURE_SECTION =
  /scenario|procedure|mitigation|recovery|rollback|reset|fix|scaling|containment|remediation|failover|resolution/i;
/** A label that says the step looks for something ("Check for …", "Find …", "(should be >99%)"). */
const LOOKING_FOR = /\b(check|find|identify|detect|look for|count|assess|test)\b|\bshould be\b/i;
/** A check whose label is about confirming a fix, not finding a problem. */
const VERIFYING = /\b(verify|confirm|monitor|wait for|expected)\b/i;
/** Words every label uses: they tell nothing about what a check finds. */
const GENERIC = new Set(
  'a an the of for to in on by with and or is are be it its if from at as this that these those check find identify view show list test look query queries database db data message messages status run running count counts get see new current recent last any all use using per which who what when there their not no does doesn exist exists'.split(
    ' ',
  ),
);

export interface Coverage {
  covered: boolean;
  /** The check's subject as its label words it. */
  subject: string;
  /** What handles its findings (a branch in the block, a procedure), when covered. */
  by?: string;
  /** The runbook's procedures, for the message when nothing covers it. */
  procedures: string[];
}

/** "orphaned" → "orphan", "duplicates" → "duplicat", "long-running" → "long", "running". */
function terms(text: string): string[] {
  return text
    .toLowerCase()
    .replace(/\([^)]*\)/g, ' ')
    .split(/[^a-z0-9]+/)
    .filter((word) => word.length > 1 && !GENERIC.has(word) && !/^\d+$/.test(word))
    .map((word) =>
      word.replace(/(ing|ed|es|e|s)$/, (suffix) => (word.length - suffix.length >= 4 ? '' : suffix)),
    );
}

/** A procedure: a procedure section (its title and text) or the label of a block that changes things. */
interface Procedure {
  name: string;
  terms: Set<string>;
  /** Heading level (deeper is more specific: "Scenario A" before its parent "Recovery Procedures"). */
  level: number;
}

function proceduresOf(runbook: ParsedRunbook, changes: (step: RunbookStep) => boolean): Procedure[] {
  const lines = runbook.text.split('\n');
  const procedures: Procedure[] = [];
  runbook.sections.forEach((section, i) => {
    if (!PROCEDURE_SECTION.test(section.title)) return;
    const end =
      runbook.sections.slice(i + 1).find((next) => next.level <= section.level)?.line ??
      runbook.line + lines.length;
    const text = lines.slice(section.line - runbook.line, end - runbook.line).join(' ');
    procedures.push({ name: section.title, terms: new Set(terms(text)), level: section.level });
  });
  for (const step of runbook.steps) {
    if (!changes(step) || !step.label) continue;
    // A fix step's own label ("2. Kill Long-Running Queries"): after the sections, which are more telling.
    procedures.push({
      name: `${step.label} (${step.section})`,
      terms: new Set(terms(`${step.label} ${step.comment ?? ''}`)),
      level: 0,
    });
  }
  return procedures.sort((a, b) => b.level - a.level);
}

/**
 * Whether a check the runbook tells the responder to run leads somewhere: a branch in its own block
 * ("If >80% … → Runbook 3"), or a procedure whose title or text names what it finds ("Check for
 * duplicate messages" → "Scenario A: Duplicate Messages"). A check with no procedure for its findings
 * ("Check for orphaned messages" in a runbook that only fixes duplicates and missing rows) leaves the
 * responder with a result and nothing to do about it.
 */
export function coverageOf(
  runbook: ParsedRunbook,
  step: RunbookStep,
  changes: (step: RunbookStep) => boolean,
): Coverage | undefined {
  const label = [step.comment, step.label].filter(Boolean).join(' ');
  const own = labelOf(step) ?? '';
  if (!LOOKING_FOR.test(own) || VERIFYING.test(own) || PROCEDURE_SECTION.test(step.section)) return undefined;
  const subject = labelOf(step)!;
  const procedures = proceduresOf(runbook, changes);
  // The sections, for the message: a fix step's label says less than its section.
  const names = procedures.filter((procedure) => procedure.level > 0).map((procedure) => procedure.name);
  const block = runbook.codeBlocks.find((candidate) => candidate.line === step.block);
  // A branch in its own block: "If >80% of max connections → Database saturation (see Runbook 3)".
  const branch = block?.code.split('\n').find((line) => /→|->/.test(line) && /^\s*(#|--)/.test(line));
  if (branch)
    return {
      covered: true,
      subject,
      by: `its block's branch "${branch.replace(/^\s*(#+|--)\s*/, '')}"`,
      procedures: names,
    };
  const wanted = terms(label);
  const match = procedures.find((procedure) => wanted.some((term) => procedure.terms.has(term)));
  return match
    ? { covered: true, subject, by: `"${match.name}"`, procedures: names }
    : { covered: false, subject, procedures: names };
}
