import { randomBytes, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { InputError } from '../core/errors.ts';
import { processStartTime, stateDir } from '../stack/embedded/stack-registry.ts';
import { isCheckpoint } from './checkpoints.ts';
import type { ResponderDesk } from './responder-desk.ts';

/**
 * Where `gameday ctl` and `gameday mark` find the running game day (one per state directory); in a
 * folder of its own, because the state directory's top-level JSON files are stack records.
 */
export function sessionFile(): string {
  return path.join(stateDir(), 'session', 'game-day.json');
}

export interface SessionInfo {
  pid: number;
  /** The harness's kernel start time: a crashed run's pid taken by another process is not the game day. */
  startTime: number;
  url: string;
  /** Bearer token: the file is readable by its owner only, so only they can steer the game day. */
  token: string;
  startedAt: string;
}

/**
 * The token gives superuser connection strings and the power to abort: the session's folder and file
 * must be the user's own and private (the state directory may be /tmp, shared with other users).
 */
async function assertPrivate(file: string, kind: 'folder' | 'file'): Promise<void> {
  const stat = await fs.lstat(file);
  const own = process.getuid ? stat.uid === process.getuid() : true;
  const right = kind === 'folder' ? stat.isDirectory() : stat.isFile();
  if (!own || !right || (stat.mode & 0o077) !== 0)
    throw new InputError([
      `${file}: not a private ${kind} of yours (owner uid ${stat.uid}, mode ${(stat.mode & 0o777).toString(8)}); delete it, or set GAMEDAY_STATE_DIR to a directory of your own`,
    ]);
}

/** The running game day's session, or undefined when there is none (a dead run's file is ignored). */
export async function readSession(): Promise<SessionInfo | undefined> {
  const file = sessionFile();
  const text = await fs.readFile(file, 'utf8').catch(() => undefined);
  if (!text) return undefined;
  await assertPrivate(path.dirname(file), 'folder');
  await assertPrivate(file, 'file');
  let session: SessionInfo;
  try {
    session = JSON.parse(text) as SessionInfo;
  } catch {
    throw new InputError([`${file}: not a game-day session (not JSON); delete it`]);
  }
  const alive =
    session.startTime !== undefined && (await processStartTime(session.pid)) === session.startTime;
  return alive ? session : undefined;
}

/** Writes the session file so that it is never, even for a moment, readable by anyone else. */
async function writeSession(session: SessionInfo): Promise<void> {
  const file = sessionFile();
  await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  await assertPrivate(path.dirname(file), 'folder');
  const temporary = `${file}.${process.pid}.tmp`;
  await fs.writeFile(temporary, JSON.stringify(session), { mode: 0o600, flag: 'wx' });
  await fs.rename(temporary, file);
}

function sameToken(given: string | undefined, token: string): boolean {
  const expected = Buffer.from(`Bearer ${token}`);
  const actual = Buffer.from(given ?? '');
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/** A request the client got wrong: answered with its status, never a 500. */
class BadRequest extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function readBody(request: http.IncomingMessage): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => {
      body += chunk;
      if (body.length > 64_000) {
        // Answered, not cut off: the rest is read and dropped.
        reject(new BadRequest(413, 'request too large'));
        request.removeAllListeners('data');
        request.resume();
      }
    });
    request.on('end', () => {
      let parsed: unknown;
      try {
        parsed = body.trim() ? JSON.parse(body) : {};
      } catch {
        return reject(new BadRequest(400, 'the request body is not JSON'));
      }
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
        return reject(new BadRequest(400, 'the request body must be a JSON object'));
      resolve(parsed as Record<string, unknown>);
    });
    request.on('error', reject);
  });
}

/**
 * The game day's control channel, on loopback only: status, checkpoints (a root cause with its words),
 * kubectl-like commands, and the facilitator's abort, reveal and next round, for people working in
 * other terminals. Its address and token go into the session file.
 */
export class ControlServer {
  private constructor(
    private readonly server: http.Server,
    readonly session: SessionInfo,
  ) {}

  static async start(desk: ResponderDesk, status: () => unknown): Promise<ControlServer> {
    const running = await readSession();
    if (running)
      throw new InputError([
        `another game day is running (pid ${running.pid}, started ${running.startedAt}); end it first (gameday abort), or give this one its own GAMEDAY_STATE_DIR`,
      ]);
    // Chosen through the environment only by a test that plants it to look for it where it must not be.
    const token = process.env.GAMEDAY_SECRET_CONTROL_TOKEN || randomBytes(24).toString('hex');
    const server = http.createServer((request, response) => {
      const reply = (code: number, body: Record<string, unknown>) => {
        response.writeHead(code, { 'content-type': 'application/json' });
        response.end(JSON.stringify(body));
      };
      if (!sameToken(request.headers.authorization, token))
        return reply(401, { error: 'bad token: the session file belongs to another game day' });
      handle(request, desk, status)
        .then(([code, body]) => reply(code, body))
        .catch((error: Error) => reply(500, { error: error.message }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const session: SessionInfo = {
      pid: process.pid,
      startTime: (await processStartTime(process.pid)) ?? 0,
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      token,
      startedAt: new Date().toISOString(),
    };
    try {
      await writeSession(session);
    } catch (error) {
      server.close();
      throw error;
    }
    return new ControlServer(server, session);
  }

  async close(): Promise<void> {
    await fs.rm(sessionFile(), { force: true });
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

async function handle(
  request: http.IncomingMessage,
  desk: ResponderDesk,
  status: () => unknown,
): Promise<[number, Record<string, unknown>]> {
  const route = `${request.method} ${request.url}`;
  if (route === 'GET /status') return [200, { status: status() ?? null }];
  if (!['POST /mark', 'POST /ctl', 'POST /abort', 'POST /reveal', 'POST /next'].includes(route))
    return [404, { error: `no such route: ${route}` }];
  try {
    const body = await readBody(request);
    if (route === 'POST /mark') {
      const checkpoint = String(body.checkpoint ?? '');
      if (!isCheckpoint(checkpoint)) return [400, { error: `unknown checkpoint "${checkpoint}"` }];
      const text = typeof body.text === 'string' ? body.text : undefined;
      return [200, { message: desk.mark(checkpoint, 'mark', text) }];
    }
    if (route === 'POST /reveal') return [200, { answer: desk.reveal() }];
    if (route === 'POST /next') {
      if (!desk.next()) return [409, { error: 'the game day is not waiting between rounds' }];
      return [200, { message: 'starting the next round' }];
    }
    if (route === 'POST /ctl') {
      const args = Array.isArray(body.args) ? body.args.map(String) : [];
      const outcome = await desk.ctl(args);
      return [200, { output: outcome.output }];
    }
    if (route === 'POST /abort') {
      desk.abort(String(body.reason || 'the facilitator aborted the game day'));
      return [200, { message: 'aborting: every fault is being reverted' }];
    }
  } catch (error) {
    if (error instanceof BadRequest) return [error.status, { error: error.message }];
    const name = (error as Error).name;
    const code =
      name === 'CtlUsageError' || name === 'NotBlindError' ? 400 : name === 'NoScenarioError' ? 409 : 500;
    return [code, { error: (error as Error).message }];
  }
  return [404, { error: `no such route: ${route}` }];
}
