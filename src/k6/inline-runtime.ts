import fs from 'node:fs';

/** The runtime's modules, in dependency order: each script carries them, so `k6 run x.ts` needs nothing else. */
const RUNTIME_FILES = ['routes.ts', 'socket-io.ts', 'chat-api.ts', 'traffic.ts'];

const IMPORT = /^import\s+([\s\S]*?)\s+from\s+'([^']+)';[ \t]*\n/gm;
const EXPORTED = /^export (?=(?:async )?function |const |let |class |interface |type )/gm;
const FILE_NOTE = /^\/\/ (?:Runs inside k6|Shared by) .*\n\n?/gm;

interface ModuleImport {
  defaultName?: string;
  named: Set<string>;
}

function addImport(imports: Map<string, ModuleImport>, clause: string, from: string): void {
  const entry = imports.get(from) ?? { named: new Set<string>() };
  imports.set(from, entry);
  const braces = /\{([\s\S]*)\}/.exec(clause);
  const typeOnly = /^type\s/.test(clause);
  for (const name of braces?.[1]?.split(',') ?? []) {
    const trimmed = name.trim();
    if (trimmed) entry.named.add(typeOnly ? `type ${trimmed}` : trimmed);
  }
  const defaultName = clause
    .replace(/\{[\s\S]*\}/, '')
    .replace(/^type\s/, '')
    .replace(/,/g, '')
    .trim();
  if (defaultName) entry.defaultName = defaultName;
}

/** `import …` lines, one per module, merged from every inlined file (plus any `extra`). */
function renderImports(imports: Map<string, ModuleImport>): string {
  return [...imports.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([from, { defaultName, named }]) => {
      const names = [...named].sort((a, b) => a.replace(/^type /, '').localeCompare(b.replace(/^type /, '')));
      if (!defaultName && names.every((name) => name.startsWith('type ')))
        return `import type { ${names.map((name) => name.slice(5)).join(', ')} } from '${from}';`;
      const list = names.length > 0 ? `{ ${names.join(', ')} }` : '';
      return `import ${[defaultName, list].filter(Boolean).join(', ')} from '${from}';`;
    })
    .join('\n');
}

let cached: { imports: Map<string, ModuleImport>; body: string } | undefined;

function readRuntime(): { imports: Map<string, ModuleImport>; body: string } {
  if (cached) return cached;
  const imports = new Map<string, ModuleImport>();
  const bodies = RUNTIME_FILES.map((file) => {
    const source = fs.readFileSync(new URL(`./runtime/${file}`, import.meta.url), 'utf8');
    const body = source.replace(IMPORT, (_line, clause: string, from: string) => {
      if (!from.startsWith('.')) addImport(imports, clause, from);
      return '';
    });
    return body.replace(FILE_NOTE, '').replace(EXPORTED, '').trim();
  });
  cached = { imports, body: bodies.join('\n\n') };
  return cached;
}

/**
 * The shared k6 runtime (src/k6/runtime/*.ts) as text to put in a script: its k6 imports merged into
 * one block with `extra` ones, its own relative imports dropped (the files are concatenated) and its
 * exports made local, so the script's exports are only what k6 calls.
 */
export function inlineRuntime(extra: Record<string, string> = {}): { imports: string; body: string } {
  const runtime = readRuntime();
  const imports = new Map(
    [...runtime.imports].map(([from, entry]) => [from, { ...entry, named: new Set(entry.named) }]),
  );
  for (const [from, clause] of Object.entries(extra)) addImport(imports, clause, from);
  return { imports: renderImports(imports), body: runtime.body };
}
