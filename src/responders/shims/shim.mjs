// The tools a runbook's commands call, on a gameday stack, so that the commands run as written:
// kubectl → `gameday ctl` (GAMEDAY_CTL_URL; without it, the running game day's session), psql → the
// stack's database (GAMEDAY_DATABASE_URL, whatever -h/-U/-d the runbook gives), curl → the stack's
// front (GAMEDAY_FRONT_URL, whatever host the runbook's URL names). Each call is appended to
// GAMEDAY_SHIM_LOG as a JSON line, so the judge knows what each tool did (plain JavaScript: it runs
// with no loader, once per call).
import { spawnSync } from 'node:child_process';
import { accessSync, appendFileSync, constants, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

const [tool, ...args] = process.argv.slice(2);
const env = process.env;

const here = path.dirname(fileURLToPath(import.meta.url));

/** The real `name` on PATH, past this directory: what a shim hands over to outside a gameday run. */
function realTool(name) {
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (!dir || path.resolve(dir) === here) continue;
    try {
      accessSync(path.join(dir, name), constants.X_OK);
      return path.join(dir, name);
    } catch {
      // not here
    }
  }
  return undefined;
}

/** Runs the real tool with the arguments as given: the shim has nothing to do here. */
function passThrough(name) {
  const real = realTool(name);
  if (!real) {
    process.stderr.write(`${name}: command not found\n`);
    return 127;
  }
  return spawnSync(real, args, { stdio: 'inherit' }).status ?? 1;
}

const mask = (text) =>
  text
    .replace(/(\b[a-z][a-z0-9+.-]*:\/\/[^:/\s@]+:)[^@\s/]+@/gi, '$1***@')
    .replace(/(Bearer\s+)\S+/g, '$1***');

function log(entry) {
  if (env.GAMEDAY_SHIM_LOG)
    appendFileSync(env.GAMEDAY_SHIM_LOG, `${JSON.stringify({ tool, args: args.map(mask), ...entry })}\n`);
}

/** `kubectl set env … -e -`: the KEY=VALUE lines on stdin become words, as kubectl reads them. */
function envFromStdin(words) {
  const at = words.findIndex((word, i) => (word === '-e' || word === '--env') && words[i + 1] === '-');
  const inline = words.indexOf('--env=-');
  if (at < 0 && inline < 0) return words;
  const pairs = readFileSync(0, 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'));
  const rest =
    at >= 0 ? [...words.slice(0, at), ...words.slice(at + 2)] : words.filter((_, i) => i !== inline);
  return [...rest, ...pairs];
}

async function ctl(words) {
  const response = await fetch(`${env.GAMEDAY_CTL_URL}/ctl`, {
    method: 'POST',
    headers: { authorization: `Bearer ${env.GAMEDAY_CTL_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ args: words }),
    signal: AbortSignal.timeout(10 * 60_000),
  });
  return { response, body: await response.json().catch(() => ({ error: `HTTP ${response.status}` })) };
}

/** Where `seen` (the last lines printed) ends in `lines`, so the next lines are the new ones; -1 if cut off. */
function after(lines, seen) {
  if (seen.length === 0) return 0;
  for (let end = lines.length; end >= seen.length; end--) {
    if (seen.every((line, i) => lines[end - seen.length + i] === line)) return end;
  }
  return 0;
}

/**
 * `kubectl logs -f`: the lines as they come. gameday ctl answers once, so it is asked every second and
 * what follows the last lines printed is new (the stack keeps only so many lines: counting would not do).
 */
async function follow(words) {
  const asked = words.filter((word) => !/^(-f|--follow(=true)?|--tail=.*)$/.test(word));
  const lines = async () =>
    (await ctl([...asked, '--tail=-1'])).body.output?.split('\n').filter(Boolean) ?? [];
  const tail = words.find((word) => word.startsWith('--tail='))?.slice('--tail='.length);
  const first = await lines();
  const shown = tail === undefined || tail === '-1' ? first : first.slice(first.length - Number(tail));
  for (const line of shown) process.stdout.write(`${line}\n`);
  let seen = first.slice(-20);
  for (;;) {
    await sleep(1_000);
    const now = await lines();
    const fresh = now.slice(after(now, seen));
    for (const line of fresh) process.stdout.write(`${line}\n`);
    if (fresh.length > 0) seen = now.slice(-20);
  }
}

async function kubectl() {
  let words = envFromStdin([...args]);
  if (
    words.includes('logs') &&
    words.some((word) => /^(-f|--follow(=true)?)$/.test(word)) &&
    env.GAMEDAY_CTL_URL
  )
    return follow(words);
  // kubectl prints every line of the logs unless told otherwise; gameday ctl's own default is 50.
  if (words.includes('logs') && !words.some((word) => word.startsWith('--tail')))
    words = [...words, '--tail=-1'];
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
  let answer;
  try {
    answer = await ctl(words);
  } catch (error) {
    process.stderr.write(`error: the gameday stack did not answer: ${error.message}\n`);
    log({ exit: 1 });
    return 1;
  }
  const { response, body } = answer;
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
  if (!env.GAMEDAY_DATABASE_URL) return passThrough('psql');
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
  if (!env.GAMEDAY_FRONT_URL) return passThrough('curl');
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
