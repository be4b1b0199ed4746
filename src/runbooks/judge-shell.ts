import type { Evidence } from './run-diagnostics.ts';
import type { ShellRun } from './run-shell.ts';
import { shellSegments } from './shell-command.ts';
import type { RunbookStep } from './steps.ts';
import type { Judgement } from './verdicts.ts';

const excerpt = (text: string) => text.replace(/\s+/g, ' ').trim().slice(0, 120);

/** The evidence lines of output show: a value as a whole word (a pid, a release), a pattern anywhere. */
export function showingInText(evidence: Evidence[], lines: string[]): { known: Evidence; line: string }[] {
  const found: { known: Evidence; line: string }[] = [];
  for (const known of evidence) {
    const line = lines.find((candidate) =>
      known.values.some((value) =>
        typeof value === 'string'
          ? new RegExp(`(^|[^\\w.])${value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}($|[^\\w.])`).test(
              candidate,
            )
          : value.test(candidate),
      ),
    );
    if (line !== undefined) found.push({ known, line });
  }
  return found;
}

/** What the pipeline's first program reads, for "no line of … matches". */
function source(text: string): string {
  const first = shellSegments(text)[0];
  if (!first) return 'the output';
  if (first.program === 'kubectl' && first.words.includes('logs')) return 'the backend logs';
  if (first.program === 'curl' && first.words.some((word) => /\/metrics\b/.test(word))) return 'the metrics';
  return `the output of \`${first.words.slice(0, 3).join(' ')}\``;
}

/** Quoted text and "1/1"-like tokens an expectation names: "All pods should be "Running" with READY 1/1". */
function expectedTerms(expectation: string): string[] {
  // "deployment 'chat-backend' successfully rolled out": the double quotes hold the text, single ones are in it.
  const doubled = [...expectation.matchAll(/["“]([^"”]+)["”]/g)].map((match) => match[1]!);
  const quoted =
    doubled.length > 0 ? doubled : [...expectation.matchAll(/'([^']+)'/g)].map((match) => match[1]!);
  const ratios = [...expectation.matchAll(/\b\d+\/\d+\b/g)].map((match) => match[0]);
  return [...quoted, ...ratios];
}

/** ' and " and ` are the same quote to a reader comparing "deployment 'x' rolled out" with the output. */
const loose = (text: string) =>
  text
    .toLowerCase()
    .replace(/["'`“”]/g, '"')
    .replace(/\s+/g, ' ');

/**
 * What a comment after a command says its output should be ("Expected: 200 OK", "Wait for:
 * "deployment 'chat-backend' successfully rolled out"", "All pods should be "Running" with READY 1/1"),
 * held against what it printed (and the HTTP status curl got).
 */
export function judgeExpectations(step: RunbookStep, run: ShellRun): Judgement[] {
  const judgements: Judgement[] = [];
  for (const line of step.after ?? []) {
    const match = /^(expected|wait for|should|all\b.*\bshould)\b[^:]*:?\s*(.*)$/i.exec(line);
    if (!match) continue;
    const expectation = line;
    const status = /\b([1-5]\d\d)\b/.exec(match[2] ?? '')?.[1];
    const got = run.calls.findLast((call) => call.httpStatus !== undefined)?.httpStatus;
    if (status && got !== undefined) {
      judgements.push({
        rule: 'expectation',
        status: String(got) === status ? 'ok' : 'inaccurate',
        observed:
          String(got) === status
            ? `HTTP ${got}, as "${expectation}" says (curl prints the body only: ${excerpt(run.stdout) || 'empty'})`
            : `HTTP ${got} where "${expectation}" says ${status}`,
      });
      continue;
    }
    const terms = expectedTerms(expectation);
    if (terms.length === 0) continue;
    const rows = run.stdout.split('\n').filter((row) => row.trim());
    // A table (a header of capitals, then rows): every row must say it ("All pods should be …").
    const table = rows.length > 1 && /^[A-Z][A-Z -]+$/.test(rows[0]!.trim().split(/\s{2,}/)[0] ?? '');
    const checked = table && /^all\b/i.test(expectation) ? rows.slice(1) : [rows.join(' ')];
    const missing = checked.filter((row) => !terms.every((term) => loose(row).includes(loose(term))));
    judgements.push({
      rule: 'expectation',
      status: missing.length === 0 && checked.length > 0 ? 'ok' : 'inaccurate',
      observed:
        missing.length === 0 && checked.length > 0
          ? `${table ? `all ${checked.length} rows say` : 'it printed'} ${terms.map((term) => `"${term}"`).join(' and ')}, as "${expectation}" says`
          : `"${expectation}", but ${table ? `${missing.length} of ${checked.length} rows do not say it (${excerpt(missing[0] ?? '')})` : `it printed: ${excerpt(run.stdout) || 'nothing'}`}`,
    });
  }
  return judgements;
}

/**
 * A command run as written, judged like a query: did it run here (a tool with no equivalent here makes
 * it a person's step; a 404 or a failing tool makes it broken), does its output show what the harness
 * knows of the fault (during it) or no longer show it (after the fix), does a grep find anything, and
 * is its output what its comments say to expect.
 */
export function judgeShellRun(
  step: RunbookStep,
  run: ShellRun,
  context: { evidence: Evidence[]; moment: 'during-fault' | 'after-fix'; own: boolean },
): Judgement[] {
  const unsupported = run.calls.find((call) => call.unsupported);
  if (unsupported)
    return [
      { rule: 'manual', status: 'manual', observed: `${unsupported.unsupported}: a person runs this step` },
    ];
  if (run.timedOut)
    return [
      {
        rule: 'runs',
        status: 'broken',
        observed: `did not finish within ${Math.round(run.durationMs / 1000)} s`,
      },
    ];
  const missing = run.calls.find((call) => call.tool === 'curl' && call.httpStatus === 404);
  if (missing)
    return [
      { rule: 'runs', status: 'broken', observed: `${missing.path ?? 'the path'} does not exist (404)` },
    ];
  const failed = run.calls.find((call) => call.exit !== 0);
  const segments = shellSegments(run.command);
  const grep = segments.length > 1 && /^e?grep$/.test(segments.at(-1)!.program);
  const when = context.moment === 'after-fix' ? 'after the fix' : 'during the fault';
  if (run.exitCode !== 0 || failed) {
    if (grep && run.exitCode === 1 && !failed && !run.stdout.trim())
      return [
        {
          rule: 'shows-fault',
          status: 'inaccurate',
          observed: `no line of ${source(run.command)} matches ${when === 'during the fault' ? 'during the fault' : when}`,
        },
      ];
    const tail = excerpt(run.stderr.split('\n').filter(Boolean).slice(-2).join(' ') || run.stdout);
    return [
      {
        rule: 'runs',
        status: 'broken',
        observed: `${failed ? `${failed.tool} exited ${failed.exit}` : `exited ${run.exitCode}`}${tail ? `: ${tail}` : ''}`,
      },
    ];
  }
  const lines = run.stdout.split('\n').filter((line) => line.trim());
  const http = run.calls.findLast((call) => call.httpStatus !== undefined);
  const connected = lines.length === 0 && run.calls.some((call) => call.tool === 'psql' && call.exit === 0);
  const printed = connected
    ? "psql connected to the stack's database and ended (nothing to run in it)"
    : `${lines.length} line(s)${http ? ` (HTTP ${http.httpStatus})` : ''}`;
  const shown = showingInText(context.evidence, lines);
  const judgements: Judgement[] = [];
  if (context.moment === 'after-fix') {
    judgements.push(
      shown.length > 0
        ? {
            rule: 'shows-fault',
            status: 'inaccurate',
            observed: `after the fix it still shows ${shown.map((s) => s.known.description).join('; ')}: ${excerpt(shown[0]!.line)}`,
          }
        : {
            rule: 'shows-fault',
            status: 'ok',
            observed: `after the fix, ${printed}: ${excerpt(lines[0] ?? '')}`,
          },
    );
  } else if (shown.length > 0) {
    judgements.push({
      rule: 'shows-fault',
      status: 'ok',
      observed: `${printed}, showing ${shown.map((s) => s.known.description).join('; ')}: ${excerpt(shown[0]!.line)}`,
    });
  } else if (context.own && context.evidence.length > 0 && lines.length > 1) {
    judgements.push({ rule: 'shows-fault', status: 'inaccurate', observed: `${printed}, none showing it` });
  } else {
    const fault = context.evidence.map((e) => e.description).join('; ');
    // A table's newest row says more than its header ("REVISION RELEASE …").
    const example = /^[A-Z][A-Z-]*(\s+[A-Z][A-Z-]*)+$/.test(lines[0]?.trim() ?? '') ? lines.at(-1) : lines[0];
    judgements.push({
      rule: 'shows-fault',
      status: 'ok',
      observed: `${printed}${example ? `, e.g. ${excerpt(example)}` : ''}${fault ? ` (what the harness knows of the fault is not in it: ${fault}; this step is not the fault's own procedure)` : ''}`,
    });
  }
  judgements.push(...judgeExpectations(step, run));
  return judgements;
}
