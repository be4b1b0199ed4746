/** A branch the runbook tells the responder to take: "If recent deployment (<30 min ago): Proceed to …". */
export interface DecisionPoint {
  line: number;
  /** What is checked: "recent deployment (<30 min ago)". */
  condition: string;
  /** What to do then: 'Proceed to "Rollback Procedure"'. */
  outcome: string;
  /** The procedure the outcome names, when it names one in quotes or "see/proceed to X". */
  target?: string;
  section: string;
}

const BRANCH = /^\s*(?:#+|--|[-*])?\s*(?:\*\*)?if\s+(.+?)(?:\*\*)?\s*(?:→|->|:)\s*(?:\*\*)?\s*(.+?)\s*$/i;
const TARGET = /"([^"]+)"|\((?:see|proceed to)\s+([^)]+)\)|proceed to\s+([A-Z][\w ]+)/i;

/** Every "If … → …" or "If …: Proceed to …" line between `from` and `to` (1-based, inclusive). */
export function findDecisionPoints(
  lines: readonly string[],
  from: number,
  to: number,
  sectionAt: (line: number) => string,
): DecisionPoint[] {
  const points: DecisionPoint[] = [];
  for (let line = from; line <= to; line++) {
    const match = BRANCH.exec(lines[line - 1] ?? '');
    if (!match) continue;
    const outcome = match[2]!.replace(/\*\*/g, '').trim();
    const target = TARGET.exec(outcome);
    const point: DecisionPoint = {
      line,
      condition: match[1]!.replace(/\*\*/g, '').trim(),
      outcome,
      section: sectionAt(line),
    };
    const named = (target?.[1] ?? target?.[2] ?? target?.[3])?.trim();
    if (named) point.target = named;
    points.push(point);
  }
  return points;
}
