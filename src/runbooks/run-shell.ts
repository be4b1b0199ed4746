import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { $ } from 'zx';
import { redactSecrets } from '../core/redact.ts';

/** What one of the stack's tools (the kubectl, psql and curl shims) did during a command. */
export interface ToolCall {
  tool: 'kubectl' | 'psql' | 'curl';
  args: string[];
  exit: number;
  /** Set when the tool has no equivalent here for what it was asked (`kubectl exec`): a person's step. */
  unsupported?: string;
  /** kubectl: the `gameday ctl` action it was (rollback, set-env, logs…). */
  action?: string;
  /** curl: the HTTP status the server answered. */
  httpStatus?: number;
  /** curl: the path asked for on the stack's front. */
  path?: string;
}

/**
 * Where a runbook's shell commands run for a stack: the environment (PATH with the stack's kubectl,
 * psql and curl first; the variables the runbook uses, such as $ADMIN_TOKEN) and the rewriting of what
 * names the runbook's own environment (hosts, database URLs, namespace) into this stack's.
 */
export interface ShellTools {
  env: Record<string, string>;
  /** The command for this stack, and each substitution made, in words for the report. */
  substitute(command: string): { command: string; substitutions: string[] };
}

export interface ShellRun {
  /** As run (after substitutions), secrets masked. */
  command: string;
  substitutions: string[];
  exitCode: number | null;
  stdout: string;
  stderr: string;
  calls: ToolCall[];
  durationMs: number;
  timedOut: boolean;
}

const OUTPUT_KEPT = 200_000;

/**
 * Runs a runbook's command as written, through bash with zx, as a responder's terminal would: its
 * pipes, grep, awk and jq run for real; its kubectl, psql and curl are the stack's (see ShellTools).
 * stdin is empty (an interactive psql connects and ends); `looksOnly` makes psql's sessions read-only.
 * Never throws for the command's own failure: the exit code and output are the result.
 */
export async function runAsWritten(
  text: string,
  tools: ShellTools,
  options: { timeoutMs: number; looksOnly: boolean },
): Promise<ShellRun> {
  const { command, substitutions } = tools.substitute(text);
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'gameday-shell-'));
  const log = path.join(dir, 'calls.jsonl');
  const started = performance.now();
  try {
    const env: Record<string, string> = {
      ...(process.env as Record<string, string>),
      ...tools.env,
      GAMEDAY_SHIM_LOG: log,
      GAMEDAY_SHIM_DIR: dir,
      ...(options.looksOnly
        ? { PGOPTIONS: '-c default_transaction_read_only=on -c statement_timeout=5s' }
        : {}),
    };
    const result = await $({
      env,
      cwd: dir,
      // stdin is empty and closed: an interactive psql connects and ends, as `psql < /dev/null` would.
      stdio: ['ignore', 'pipe', 'pipe'],
      nothrow: true,
      quiet: true,
      // A responder's terminal: no `set -euo pipefail`, the status is the pipeline's last program's.
      prefix: '',
      timeout: options.timeoutMs,
      timeoutSignal: 'SIGKILL',
      detached: true,
    })([command] as unknown as TemplateStringsArray);
    const calls = await readCalls(log);
    return {
      command: redactSecrets(command),
      substitutions,
      exitCode: result.exitCode,
      stdout: redactSecrets(result.stdout.slice(-OUTPUT_KEPT)),
      stderr: redactSecrets(result.stderr.slice(-OUTPUT_KEPT)),
      calls,
      durationMs: Math.round(performance.now() - started),
      timedOut: result.signal === 'SIGKILL' && result.exitCode === null,
    };
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

async function readCalls(file: string): Promise<ToolCall[]> {
  const text = await fs.readFile(file, 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter(Boolean)
    .flatMap((line) => {
      try {
        return [JSON.parse(line) as ToolCall];
      } catch {
        return [];
      }
    });
}
