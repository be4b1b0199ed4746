// The tools a runbook's commands call, on a gameday stack, so that the commands run as written:
// kubectl → `gameday ctl` (GAMEDAY_CTL_URL; without it, the running game day's session), psql → the
// stack's database (GAMEDAY_DATABASE_URL, whatever -h/-U/-d the runbook gives), curl → the stack's
// front (GAMEDAY_FRONT_URL, whatever host the runbook's URL names). Each call is appended to
// GAMEDAY_SHIM_LOG as a JSON line, so the judge knows what each tool did (plain JavaScript: it runs
// with no loader, once per call).
import { spawnSync } from 'node:child_process';
import { appendFileSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const [tool, ...args] = process.argv.slice(2);
const env = process.env;

const mask = (text) =>
  text
    .replace(/(\b[a-z][a-z0-9+.-]*:\/\/[^:/\s@]+:)[^@\s/]+@/gi, '$1***@')
    .replace(/(Bearer\s+)\S+/g, '$1***');

function log(entry) {
  if (env.GAMEDAY_SHIM_LOG)
    appendFileSync(env.GAMEDAY_SHIM_LOG, `${JSON.stringify({ tool, args: args.map(mask), ...entry })}\n`);
}

async function kubectl() {
  const words = [...args];
  // kubectl prints every line of the logs unless told otherwise; gameday ctl's own default is 50.
  if (words.includes('logs') && !words.some((word) => word.startsWith('--tail'))) words.push('--tail=-1');
  if (env.GAMEDAY_REAL_KUBECTL) {
    // A stack on Kubernetes: the real kubectl (the command already names the config's context).
    const run = spawnSync(env.GAMEDAY_REAL_KUBECTL, args, { stdio: 'inherit' });
    log({ exit: run.status ?? 1 });
    return run.status ?? 1;
  }
  if (!env.GAMEDAY_CTL_URL) {
    const bin =
      env.GAMEDAY_BIN ?? path.join(path.dirname(fileURLToPath(import.meta.url)), '../../../bin/gameday.js');
    const run = spawnSync(process.execPath, [bin, 'ctl', ...words], { stdio: 'inherit' });
    log({ exit: run.status ?? 1 });
    return run.status ?? 1;
  }
  let response;
  try {
    response = await fetch(`${env.GAMEDAY_CTL_URL}/ctl`, {
      method: 'POST',
      headers: { authorization: `Bearer ${env.GAMEDAY_CTL_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ args: words }),
      signal: AbortSignal.timeout(10 * 60_000),
    });
  } catch (error) {
    process.stderr.write(`error: the gameday stack did not answer: ${error.message}\n`);
    log({ exit: 1 });
    return 1;
  }
  const body = await response.json().catch(() => ({ error: `HTTP ${response.status}` }));
  if (response.ok) {
    process.stdout.write(body.output ? `${body.output}\n` : '');
    log({ exit: 0, action: body.action });
    return 0;
  }
  const problem = String(body.error ?? '').split('\n')[0];
  process.stderr.write(`error: ${problem}\n`);
  log({ exit: 1, ...(body.unsupported ? { unsupported: `kubectl ${words.join(' ')}: ${problem}` } : {}) });
  return 1;
}

/** psql's options that take a value (the next word when not written --name=value). */
const PSQL_VALUE = new Set([
  '-c',
  '--command',
  '-f',
  '--file',
  '-v',
  '--set',
  '--variable',
  '-P',
  '--pset',
  '-o',
  '--output',
  '-L',
  '--log-file',
  '-F',
  '--field-separator',
  '-R',
  '--record-separator',
  '-T',
  '--table-attr',
]);
const PSQL_CONNECTION = new Set(['-h', '--host', '-U', '--username', '-d', '--dbname', '-p', '--port']);

function psql() {
  if (!env.GAMEDAY_REAL_PSQL) {
    process.stderr.write('psql: not installed here (Debian: apt-get install postgresql-client)\n');
    log({ exit: 127, unsupported: 'psql is not installed where gameday runs' });
    return 127;
  }
  const kept = [];
  for (let i = 0; i < args.length; i++) {
    const word = args[i];
    if (PSQL_CONNECTION.has(word)) i++;
    else if (/^(--host|--username|--dbname|--port)=/.test(word) || /^-[hUdp]\S/.test(word)) continue;
    else if (/^(-W|-w|--password|--no-password)$/.test(word)) continue;
    else if (PSQL_VALUE.has(word)) kept.push(word, args[++i] ?? '');
    else if (!word.startsWith('-'))
      continue; // the database or user name, positionally
    else kept.push(word);
  }
  const run = spawnSync(env.GAMEDAY_REAL_PSQL, ['-d', env.GAMEDAY_DATABASE_URL, ...kept], {
    stdio: 'inherit',
  });
  log({ exit: run.status ?? 1 });
  return run.status ?? 1;
}

function curl() {
  let asked;
  const rewritten = args.map((word) => {
    const url = /^https?:\/\/([^/\s]+)(\/\S*)?$/.exec(word);
    if (!url || /^(127\.|localhost\b|\[::1\])/.test(url[1])) return word;
    asked = url[2] ?? '/';
    return `${env.GAMEDAY_FRONT_URL}${asked}`;
  });
  const headers = path.join(env.GAMEDAY_SHIM_DIR ?? '/tmp', `curl-headers-${process.pid}`);
  const run = spawnSync(env.GAMEDAY_REAL_CURL ?? 'curl', ['-D', headers, ...rewritten], { stdio: 'inherit' });
  let httpStatus;
  try {
    const statuses = [...readFileSync(headers, 'utf8').matchAll(/^HTTP\/[\d.]+ (\d{3})/gm)];
    httpStatus = statuses.length > 0 ? Number(statuses.at(-1)[1]) : undefined;
    rmSync(headers, { force: true });
  } catch {
    // No answer at all: curl says why, and exits non-zero.
  }
  log({ exit: run.status ?? 1, ...(httpStatus ? { httpStatus } : {}), ...(asked ? { path: asked } : {}) });
  return run.status ?? 1;
}

const tools = { kubectl, psql, curl };
if (!tools[tool]) {
  process.stderr.write(`gameday shim: unknown tool ${tool}\n`);
  process.exit(2);
}
process.exitCode = await tools[tool]();
