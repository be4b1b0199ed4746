/**
 * What a runbook's shell command is, read the way a shell reads it: the programs of its pipeline, and
 * whether each has a meaning on the stack gameday runs (kubectl, psql and curl do; aws, slack and jira
 * do not, except the database parameter change, which has a local equivalent).
 */

/** One program of a command line: `kubectl logs deployment/x | grep "OPEN"` has two. */
export interface ShellSegment {
  program: string;
  words: string[];
}

export interface ParameterChange {
  name: string;
  value: string;
  /** As the command asks: `immediate` or `pending-reboot` (RDS's ApplyMethod). */
  applyMethod?: string;
}

export type ShellPlan =
  /** Runs as written here; `looks`: it only looks (a diagnostic), else it changes something (a fix). */
  | { kind: 'run'; looks: boolean; programs: string[] }
  /** A database parameter change in the cloud's words, carried out here as ALTER SYSTEM + reload. */
  | { kind: 'parameter'; changes: ParameterChange[]; via: string }
  /** Nothing here can carry it out; a person does. */
  | { kind: 'manual'; reason: string };

/** Programs that only transform text: they run here as they would anywhere. */
const TEXT_TOOLS = new Set([
  'grep',
  'egrep',
  'awk',
  'sed',
  'sort',
  'uniq',
  'head',
  'tail',
  'cut',
  'wc',
  'jq',
  'tr',
  'cat',
  'echo',
  'xargs',
  'column',
  'date',
]);

/** kubectl verbs the stack's kubectl (a shim over `gameday ctl`) carries out, and whether they only look. */
const KUBECTL: { verb: RegExp; looks: boolean }[] = [
  { verb: /^get (pods?|po)\b/, looks: true },
  { verb: /^logs\b/, looks: true },
  { verb: /^rollout (history|status)\b/, looks: true },
  { verb: /^rollout (undo|restart)\b/, looks: false },
  { verb: /^set env\b/, looks: false },
  { verb: /^scale\b/, looks: false },
  { verb: /^delete (pods?|po)\b/, looks: false },
];

/** Splits a command line into words as sh would (quotes removed, `\` escapes kept literal). */
export function shellWords(text: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!;
    if (quote) {
      if (char === quote) quote = undefined;
      else if (char === '\\' && quote === '"' && i + 1 < text.length) word += text[++i];
      else word += char;
      continue;
    }
    if (char === '"' || char === "'") {
      quote = char;
      inWord = true;
    } else if (/\s/.test(char)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else if (char === '\\' && i + 1 < text.length) {
      word += text[++i];
      inWord = true;
    } else {
      word += char;
      inWord = true;
    }
  }
  if (inWord) words.push(word);
  return words;
}

/** The programs of a command line, split at `|`, `&&`, `||` and `;` outside quotes and `$(…)`. */
export function shellSegments(text: string): ShellSegment[] {
  const parts: string[] = [];
  let current = '';
  let quote: string | undefined;
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!;
    if (quote) {
      if (char === quote) quote = undefined;
      current += char;
      continue;
    }
    if (char === '"' || char === "'") quote = char;
    else if (char === '$' && text[i + 1] === '(') depth++;
    else if (char === ')' && depth > 0) depth--;
    if (depth === 0 && (char === '|' || char === ';' || (char === '&' && text[i + 1] === '&'))) {
      parts.push(current);
      current = '';
      if (text[i + 1] === char) i++;
      continue;
    }
    current += char;
  }
  parts.push(current);
  return parts
    .map((part) => shellWords(part.trim()))
    .filter((words) => words.length > 0)
    .map((words) => {
      // Leading VAR=value assignments and sudo are not the program.
      let at = 0;
      while (at < words.length && /^([A-Za-z_]\w*=|sudo$)/.test(words[at]!)) at++;
      return { program: words[at] ?? '', words: words.slice(at) };
    });
}

/** kubectl's words without the flags that only address things (-n ns, deployment/x, --context). */
function kubectlVerb(words: string[]): string {
  const kept: string[] = [];
  for (let i = 1; i < words.length; i++) {
    const word = words[i]!;
    if (/^(-n|--namespace|--context|-c|--container)$/.test(word)) i++;
    else if (word.startsWith('-')) continue;
    else kept.push(word);
  }
  return kept.join(' ');
}

/** "set resources", "exec": the verb as people name it (with its sub-verb where kubectl has one). */
function verbName(verb: string): string {
  const [first, second] = verb.split(' ');
  return /^(set|rollout|get|delete|create|config|top)$/.test(first ?? '') && second
    ? `${first} ${second}`
    : (first ?? '');
}

/** `--parameters "ParameterName=max_connections,ParameterValue=200,ApplyMethod=immediate"` (one or more). */
export function parameterChangesOf(words: string[]): ParameterChange[] {
  const at = words.indexOf('--parameters');
  if (at < 0) return [];
  const changes: ParameterChange[] = [];
  for (const word of words.slice(at + 1)) {
    if (word.startsWith('--')) break;
    const fields = Object.fromEntries(
      word.split(',').map((pair) => {
        const [key, ...value] = pair.split('=');
        return [key!.trim(), value.join('=').trim()];
      }),
    );
    if (fields.ParameterName && fields.ParameterValue !== undefined)
      changes.push({
        name: fields.ParameterName,
        value: fields.ParameterValue,
        ...(fields.ApplyMethod ? { applyMethod: fields.ApplyMethod } : {}),
      });
  }
  return changes;
}

/**
 * How gameday carries out a runbook's shell command: as written (its kubectl, psql and curl resolve
 * to the stack's), as the local equivalent of a cloud parameter change, or not at all (a person's
 * step: chat, tickets, the cloud console, files on the production hosts).
 */
export function planShellCommand(text: string): ShellPlan {
  const segments = shellSegments(text);
  if (segments.length === 0) return { kind: 'manual', reason: 'an empty command' };
  const first = segments[0]!;
  if (
    first.program === 'aws' &&
    first.words[1] === 'rds' &&
    /^modify-db(-cluster)?-parameter-group$/.test(first.words[2] ?? '')
  ) {
    const changes = parameterChangesOf(first.words);
    if (changes.length > 0) return { kind: 'parameter', changes, via: `aws rds ${first.words[2]}` };
  }
  let looks = true;
  for (const segment of segments) {
    const { program, words } = segment;
    if (program === 'kubectl') {
      const verb = kubectlVerb(words);
      const known = KUBECTL.find((candidate) => candidate.verb.test(verb));
      if (!known)
        return {
          kind: 'manual',
          reason: `\`kubectl ${verbName(verb)}\` has no equivalent on this stack`,
        };
      if (!known.looks) looks = false;
    } else if (program === 'curl') {
      const method = words.find((_, i) => words[i - 1] === '-X' || words[i - 1] === '--request');
      if (
        (method && method.toUpperCase() !== 'GET') ||
        words.some((word) => /^(-d|--data.*|-F|--form)$/.test(word))
      )
        looks = false;
    } else if (program === 'psql') {
      // Its SQL is judged as SQL; a bare psql only connects.
    } else if (TEXT_TOOLS.has(program)) {
      const file = words.slice(1).find((word) => word.startsWith('/'));
      if (file)
        return { kind: 'manual', reason: `\`${program}\` reads ${file}, a file on the production hosts` };
    } else {
      return { kind: 'manual', reason: `\`${program}\` has no local meaning: a person does this step` };
    }
  }
  return { kind: 'run', looks, programs: segments.map((segment) => segment.program) };
}
