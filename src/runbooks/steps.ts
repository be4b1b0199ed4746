import { checkSql, splitSqlScript } from './sql-check/index.ts';

/** A fenced code block of the runbook, and where it sits. */
export interface CodeBlock {
  /** First word of the fence's info string ('' for a bare fence). */
  lang: string;
  code: string;
  /** 1-based lines of the first and the last code line. */
  line: number;
  endLine: number;
  /** Text of the nearest heading above the block. */
  section: string;
  /** The bold step line just above the block, if any: "**1. Acknowledge Alert**" → "1. Acknowledge Alert". */
  label?: string;
}

/** One thing a runbook tells the responder to run: a SQL statement or a shell command. */
export interface RunbookStep {
  kind: 'sql' | 'shell';
  /** As written (a shell command's continuation lines joined; comments removed). */
  text: string;
  /** 1-based lines in the document. */
  line: number;
  endLine: number;
  section: string;
  /** First line of the code block it sits in: statements of one block share it. */
  block: number;
  /** The bold step label above the block ("2. Kill Long-Running Queries (If Safe)"). */
  label?: string;
  /** Shell: the program run ("kubectl", "aws", …). */
  tool?: string;
  /** The gameday action that carries the step out or observes it, when there is one. */
  action?: string;
  /** Shell steps whose program runs SQL (`psql -c "…"`): that SQL. */
  sql?: string;
  /** The comment lines just above the step, without their markers: what it says the step shows or does. */
  comment?: string;
  /** Comment lines after the step, up to the next step or numbered comment ("Expected: 200 OK"). */
  after?: string[];
}

/** Shell actions that only look. */
const LOOKING = new Set([
  'health-check',
  'metrics',
  'logs',
  'rollout-history',
  'rollout-status',
  'get-pods',
  'sql',
]);

/** A step that changes the system (a fix), rather than looks at it. The SQL parser must be loaded. */
export function changesState(step: RunbookStep): boolean {
  const sql = sqlOf(step);
  if (sql !== undefined) return !checkSql(sql, { tables: new Map() }).statementsReadOnly;
  return step.action !== undefined && !LOOKING.has(step.action);
}

/** The SQL a step runs: a SQL statement as written, or the one a shell step hands to psql. */
export function sqlOf(step: RunbookStep): string | undefined {
  return step.kind === 'sql' ? step.text : step.sql;
}

const SQL_START =
  /^\s*(SELECT|WITH|INSERT|UPDATE|DELETE|ALTER|CREATE|DROP|LOCK|BEGIN|COMMIT|ROLLBACK|EXPLAIN|VACUUM|ANALYZE|REINDEX|SET|SHOW|TRUNCATE)\b/;

/** Shell commands gameday can carry out or observe on a stack, by what they say. */
const SHELL_ACTIONS: [RegExp, string][] = [
  [/\bkubectl\s+rollout\s+undo\b/, 'rollback'],
  [/\bkubectl\s+rollout\s+restart\b/, 'restart'],
  [/\bkubectl\s+rollout\s+status\b/, 'rollout-status'],
  [/\bkubectl\s+rollout\s+history\b/, 'rollout-history'],
  [/\bkubectl\s+set\s+env\b/, 'set-env'],
  [/\bkubectl\s+scale\b/, 'scale'],
  [/\bkubectl\s+get\s+pods\b/, 'get-pods'],
  [/\bkubectl\s+logs\b/, 'logs'],
  [/\bcurl\b.*\/circuit-breaker\/reset\b/, 'reset-breaker'],
  [/\bcurl\b.*\/flags\/[\w-]+\/disable\b/, 'disable-flag'],
  [/\bcurl\b.*\/flags\/[\w-]+\/enable\b/, 'enable-flag'],
  [/\bcurl\b.*\/health\b/, 'health-check'],
  [/\bcurl\b.*\/metrics\b/, 'metrics'],
  [/\bpsql\b/, 'sql'],
];

function shellTool(command: string): string {
  const words = command.replace(/^(?:sudo\s+|[A-Z_][A-Z0-9_]*=\S+\s+)+/, '').split(/\s+/);
  return words[0] ?? '';
}

/** `psql … -c "SELECT 1;"` → `SELECT 1;`. */
function psqlCommand(command: string): string | undefined {
  const match = /\bpsql\b.*?\s-c\s+(?:"((?:[^"\\]|\\.)*)"|'([^']*)')/.exec(command);
  return match ? (match[1] ?? match[2])!.replace(/\\"/g, '"') : undefined;
}

/**
 * Splits a runbook's code blocks into steps. SQL fences give one step per statement; shell fences one
 * per command (continuation lines joined), and SQL written inside a shell fence (the runbooks often
 * put psql sessions there) is a SQL step too. Comment lines are not steps.
 */
export function stepsOf(block: CodeBlock): RunbookStep[] {
  const base = { section: block.section, block: block.line, ...(block.label ? { label: block.label } : {}) };
  const steps = block.lang === 'sql' ? sqlSteps(block, base) : scriptSteps(block, base);
  return withComments(block, steps);
}

function scriptSteps(
  block: CodeBlock,
  base: Pick<RunbookStep, 'section' | 'block' | 'label'>,
): RunbookStep[] {
  const lines = block.code.split('\n');
  const steps: RunbookStep[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i]!;
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#') || trimmed.startsWith('--')) {
      i++;
      continue;
    }
    const start = i;
    if (SQL_START.test(line)) {
      // A statement runs to the line that ends with ";" (or to a blank line / the block's end).
      const parts: string[] = [];
      while (i < lines.length) {
        const current = lines[i]!;
        if (current.trim() === '') break;
        if (!current.trim().startsWith('--')) parts.push(current.replace(/\s--.*$/, ''));
        i++;
        if (/;\s*(--.*)?$/.test(current)) break;
      }
      const text = parts.join('\n').trim();
      if (text)
        steps.push({ kind: 'sql', text, line: block.line + start, endLine: block.line + i - 1, ...base });
      continue;
    }
    const parts = [line.replace(/\\\s*$/, '').trim()];
    while (/\\\s*$/.test(lines[i]!) && i + 1 < lines.length) {
      i++;
      parts.push(lines[i]!.replace(/\\\s*$/, '').trim());
    }
    i++;
    const text = parts.join(' ').replace(/\s+#.*$/, '');
    const step: RunbookStep = {
      kind: 'shell',
      text,
      line: block.line + start,
      endLine: block.line + i - 1,
      tool: shellTool(text),
      ...base,
    };
    const action = SHELL_ACTIONS.find(([pattern]) => pattern.test(text))?.[1];
    if (action) step.action = action;
    const sql = psqlCommand(text);
    if (sql) step.sql = sql;
    steps.push(step);
  }
  return steps;
}

/**
 * A SQL fence: one step per statement, cut as psql cuts a file, with PostgreSQL's own scanner (a ";"
 * in a string, a dollar-quoted body or a comment ends nothing; " --" in a string is no comment). The
 * text is as written, comment lines inside a statement included, so that a line within the step is
 * its line in the document. psql meta-commands (\d, \gset, \x) are not steps. The SQL parser must be
 * loaded (`loadSqlParser`).
 */
function sqlSteps(block: CodeBlock, base: Pick<RunbookStep, 'section' | 'block' | 'label'>): RunbookStep[] {
  return splitSqlScript(block.code)
    .filter((part) => part.kind === 'statement')
    .map((part) => ({
      kind: 'sql',
      text: part.text,
      line: block.line + part.line - 1,
      endLine: block.line + part.endLine - 1,
      ...base,
    }));
}

const COMMENT = /^\s*(?:#|--)\s?(.*)$/;
/** "# 3. Check error rate decreased": the next step's label, not something said about this one. */
const NUMBERED = /^\d+\.\s/;

/** Each step's comment above (contiguous comment lines) and the comment lines after it. */
function withComments(block: CodeBlock, steps: RunbookStep[]): RunbookStep[] {
  const lines = block.code.split('\n');
  const commentAt = (line: number) => {
    const text = lines[line - block.line];
    const match = text === undefined ? null : COMMENT.exec(text);
    return match ? match[1]!.trim() : undefined;
  };
  /** The first line of the run of comment lines just above `line`. */
  const runAbove = (line: number) => {
    let first = line;
    while (first - 1 >= block.line && commentAt(first - 1) !== undefined) first--;
    return first;
  };
  return steps.map((step, i) => {
    const aboveFrom = runAbove(step.line);
    const above: string[] = [];
    for (let line = aboveFrom; line < step.line; line++) {
      const comment = commentAt(line);
      if (comment) above.push(comment);
    }
    const next = steps[i + 1]?.line;
    // The comments just above the next step are its own, unless they follow this step directly.
    let until = next ?? block.endLine + 1;
    if (next !== undefined && runAbove(next) > steps[i]!.endLine + 1) until = runAbove(next);
    const after: string[] = [];
    for (let line = step.endLine + 1; line < until; line++) {
      const comment = commentAt(line);
      if (comment === undefined) continue;
      if (NUMBERED.test(comment)) break;
      if (comment) after.push(comment);
    }
    return {
      ...step,
      ...(above.length > 0 ? { comment: above.join(' ') } : {}),
      ...(after.length > 0 ? { after } : {}),
    };
  });
}
