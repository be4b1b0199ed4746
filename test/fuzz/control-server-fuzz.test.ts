import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpRequest } from '../../src/core/http-client.ts';
import { ControlServer } from '../../src/responders/control-server.ts';
import { ResponderDesk } from '../../src/responders/responder-desk.ts';
import { FakeClock } from '../support/fakes/fake-clock.ts';
import { FakeStack } from '../support/fakes/fake-stack.ts';

/**
 * The game-day control server (`gameday ctl`, `mark`, `abort`) under random and hostile requests.
 * Without its token nothing happens and nothing leaks; with it, a malformed request gets a 4xx, never
 * a 500; the token is never in an answer.
 */
const RUNS = 400;
let stateDir: string;
let server: ControlServer;
let desk: ResponderDesk;
let stack: FakeStack;
let aborts = 0;
const notes: string[] = [];

beforeAll(async () => {
  stateDir = await fs.mkdtemp(path.join(os.tmpdir(), 'gameday-state-ctl-fuzz-'));
  process.env.GAMEDAY_STATE_DIR = stateDir;
  desk = new ResponderDesk(() => {
    aborts += 1;
  });
  stack = new FakeStack({ clock: new FakeClock(60), releases: {} });
  desk.open({
    id: 'fuzzed',
    title: 'fuzzed',
    stack,
    startedAt: Date.now(),
    now: () => Date.now(),
    note: ((kind: string, detail: string) => {
      notes.push(`${kind} ${detail}`);
      return Date.now();
    }) as never,
  });
  server = await ControlServer.start(desk, () => ({ phase: 'responding' }));
});
afterAll(async () => {
  await server?.close();
  await fs.rm(stateDir, { recursive: true, force: true });
});

const method = fc.oneof(
  { arbitrary: fc.constant('POST'), weight: 4 },
  { arbitrary: fc.constantFrom('GET', 'PUT', 'DELETE', 'PATCH'), weight: 1 },
);
const route = fc.oneof(
  { arbitrary: fc.constantFrom('/status', '/mark', '/ctl', '/abort'), weight: 4 },
  { arbitrary: fc.constantFrom('/', '/../status', '/mark?x=1', '//ctl'), weight: 1 },
  { arbitrary: fc.webPath(), weight: 1 },
);
const body = fc.oneof(
  fc.constant(undefined),
  fc.jsonValue({ maxDepth: 3 }).map((value) => JSON.stringify(value)),
  fc.string({ maxLength: 200 }),
  fc.record({ checkpoint: fc.oneof(fc.string(), fc.jsonValue()) }).map((value) => JSON.stringify(value)),
  fc.record({ args: fc.oneof(fc.array(fc.string()), fc.jsonValue()) }).map((value) => JSON.stringify(value)),
  fc.integer({ min: 60_000, max: 200_000 }).map((n) => JSON.stringify({ reason: 'x'.repeat(n) })),
);

async function send(verb: string, where: string, text: string | undefined, authorization?: string) {
  const response = await httpRequest<unknown>(`${server.session.url}${where}`, {
    method: verb,
    headers: {
      ...(authorization ? { authorization } : {}),
      ...(text === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(text === undefined ? {} : { body: Buffer.from(text) }),
    timeoutMs: 10_000,
  }).catch((error: Error) => ({ status: 0, raw: Buffer.from(error.message) }));
  return { status: response.status, text: response.raw.toString('utf8') };
}

describe('the control server, fuzzed', () => {
  // Found by the property below (a 500 for a body that was not a JSON object), kept as cases.
  it.each([
    ['/mark', ' '],
    ['/mark', 'not json'],
    ['/ctl', '[1, 2]'],
    ['/abort', 'null'],
    ['/mark', '"acknowledged"'],
  ])('POST %s with %j: 400, nothing recorded', async (where, text) => {
    const before = notes.length;
    const answer = await send('POST', where, text, `Bearer ${server.session.token}`);
    expect(answer.status).toBe(400);
    expect(notes.length).toBe(before);
  });

  it(`without the right token (${RUNS} requests): 401, nothing recorded, nothing run, nothing leaked`, async () => {
    const before = { notes: notes.length, history: stack.revisions.length, aborts };
    await fc.assert(
      fc.asyncProperty(
        method,
        route,
        body,
        fc.oneof(
          fc.constant(undefined),
          fc.string(),
          fc.constant(`Bearer ${server.session.token.slice(0, -1)}x`),
          fc.constant(server.session.token),
          fc.constant(`bearer ${server.session.token}`),
        ),
        async (verb, where, text, authorization) => {
          const answer = await send(verb, where, text, authorization);
          // A body too large may be cut off before the answer; otherwise the answer is 401.
          expect([401, 0]).toContain(answer.status);
          expect(answer.text).not.toContain(server.session.token);
        },
      ),
      { numRuns: RUNS },
    );
    expect({ notes: notes.length, history: stack.revisions.length, aborts }).toEqual(before);
    console.log(`control server fuzz: ${RUNS} requests without the right token, all refused`);
  }, 120_000);

  it(`with the token (${RUNS} requests): malformed ones get a 4xx, never a 500; the token never answered`, async () => {
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(method, route, body, async (verb, where, text) => {
        const answer = await send(verb, where, text, `Bearer ${server.session.token}`);
        statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
        expect(
          answer.status === 0 || (answer.status >= 200 && answer.status < 500),
          `${verb} ${where} ${text?.slice(0, 100)} → ${answer.status} ${answer.text}`,
        ).toBe(true);
        expect(answer.text).not.toContain(server.session.token);
      }),
      { numRuns: RUNS },
    );
    console.log(
      `control server fuzz: ${RUNS} requests with the token: ${JSON.stringify(Object.fromEntries(statuses))}`,
    );
  }, 120_000);
});
