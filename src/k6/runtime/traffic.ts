import { check } from 'k6';
import exec from 'k6/execution';
import http from 'k6/http';
import { Counter, Rate, Trend } from 'k6/metrics';
import { clearTimeout, setTimeout } from 'k6/timers';
import {
  type Action,
  call,
  login,
  loginFailures,
  pause,
  resends,
  type Session,
  type TrafficModel,
  uuid,
} from './chat-api.ts';
import { ROUTES } from './routes.ts';
import { SocketIoClient, type SocketIoConnect } from './socket-io.ts';

// Runs inside k6 (inlined into every exported script): only k6 modules, no Node globals.

/** k6's console: a global of its runtime that @types/k6 leaves undeclared. */
declare const console: { log(...values: unknown[]): void };

const socketConnects = new Rate('socketio_connects');
const ackTime = new Trend('socketio_ack_time', true);
const received = new Counter('socketio_messages_received');

/** What setup() hands every VU (as JSON): the accounts, logged in before the clock starts. */
export interface SetupData {
  sessions: Record<string, Session>;
}

/** The accounts the traffic uses: users 1..N, and the storm's accounts from user40 as gameday's storm. */
function accounts(model: TrafficModel): string[] {
  const users = Array.from({ length: model.users }, (_, i) => `user${i + 1}`);
  const storm = Array.from({ length: model.storm?.accounts ?? 0 }, (_, i) => `user${40 + i}`);
  return [...new Set([...users, ...storm])];
}

/** Logs every account in at once, before the load starts, as gameday does before its baseline. */
export async function loginAll(model: TrafficModel): Promise<SetupData> {
  const names = accounts(model);
  const sessions = await Promise.all(names.map((name) => login(model, name)));
  const data: SetupData = { sessions: {} };
  sessions.forEach((session, i) => {
    if (session) data.sessions[names[i] ?? ''] = session;
  });
  return data;
}

// Per VU (k6 gives each VU its own JS runtime): an account setup() could not log in is tried again here.
const retried: Record<string, Session | undefined> = {};

async function sessionFor(
  model: TrafficModel,
  data: SetupData,
  username: string,
): Promise<Session | undefined> {
  const session = data.sessions[username] ?? retried[username] ?? (await login(model, username));
  retried[username] = session;
  return session;
}

/** This VU's 1-based place among `count`: VU ids are unique in the whole test, not per scenario. */
function slot(count: number): number {
  return ((exec.vu.idInTest - 1) % count) + 1;
}

function scenarioEnd(durationMs: number): number {
  return exec.scenario.startTime + durationMs;
}

function pick(mix: Record<Action, number>): Action {
  const entries = Object.entries(mix) as [Action, number][];
  let roll = Math.random() * entries.reduce((total, [, weight]) => total + weight, 0);
  for (const [action, weight] of entries) {
    roll -= weight;
    if (roll < 0) return action;
  }
  return 'send';
}

/** One action of a REST user, then its think time: a closed loop, as gameday's load generator. */
export async function restUser(model: TrafficModel, data: SetupData): Promise<void> {
  const session = await sessionFor(model, data, `user${slot(model.users)}`);
  if (!session) return pause(1_000);
  const conversation = session.conversations[Math.floor(Math.random() * session.conversations.length)];
  const path = `/api/v1/chat/conversations/${encodeURIComponent(conversation ?? '')}`;
  const action = pick(model.mix);
  if (action === 'send') await send(model, session, `${path}/messages`);
  else if (action === 'read-conversation') await call(model, session, action, `${path}/messages?limit=20`);
  else if (action === 'read-own-messages')
    await call(
      model,
      session,
      action,
      `/api/v1/users/${encodeURIComponent(session.userId)}/messages?limit=20`,
    );
  else if (action === 'list-conversations')
    await call(model, session, 'conversations', ROUTES.conversations[1]);
  else
    await call(model, session, 'upload', `${path}/attachments`, '\u0001'.repeat(1024), {
      contentType: 'application/octet-stream',
    });
  await pause(model.thinkTimeMs * (0.5 + Math.random()));
}

/**
 * Under `gameday run --load k6` every acknowledged message_id is logged, so gameday's own ledger can
 * check afterwards that each is stored exactly once; elsewhere it stays silent.
 */
function acknowledged(messageId: string): void {
  if (__ENV.GAMEDAY_ACK_LOG) console.log(`gameday-ack ${messageId}`);
}

/** A send; under the mobile client's policy a timed-out send goes again with the same message_id. */
async function send(model: TrafficModel, session: Session, path: string): Promise<void> {
  const messageId = uuid();
  const body = JSON.stringify({ message_id: messageId, content: `k6 ${messageId.slice(0, 8)}` });
  const attempts = model.sendRetry?.attempts ?? 1;
  for (let attempt = 1; ; attempt++) {
    const response = await call(model, session, 'send', path, body, {
      timeoutMs: model.sendRetry?.timeoutMs,
    });
    if (response.status !== 0 || attempt >= attempts) {
      check(response, { 'send acknowledged (201)': (r) => r.status === 201 });
      if (response.status === 201) acknowledged(messageId);
      return;
    }
    resends.add(1);
  }
}

/** Opens a Socket.IO connection; undefined when refused, failed or unanswered within 10 s. */
async function connect(model: TrafficModel, token: string): Promise<SocketIoClient | undefined> {
  const client = new SocketIoClient(model.target, { token });
  let timer = 0;
  const result = await Promise.race([
    client.connected,
    new Promise<SocketIoConnect>((resolve) => {
      timer = setTimeout(() => resolve({ ok: false, reason: 'timeout' }), 10_000);
    }),
  ]);
  clearTimeout(timer);
  socketConnects.add(result.ok, { outcome: result.ok ? 'accepted' : result.reason });
  if (result.ok) return client;
  client.close();
  return undefined;
}

/**
 * A user's Socket.IO client until the scenario ends: joins its first three conversations, sends with
 * acknowledgements, receives. A dropped connection ends the iteration; the next one reconnects.
 */
export async function socketClient(model: TrafficModel, data: SetupData, durationMs: number): Promise<void> {
  const endAt = scenarioEnd(durationMs);
  const session = await sessionFor(model, data, `user${slot(model.users)}`);
  if (!session) return pause(1_000);
  const client = await connect(model, session.token);
  check(client, { 'socket connected': (c) => c !== undefined });
  if (!client) return pause(100 + Math.random() * 900);
  client.on('message:new', () => received.add(1));
  for (const conversation of session.conversations.slice(0, 3)) {
    const ack = await client.emitWithAck('conversation:join', conversation, 10_000);
    check(ack, { 'joined conversation': (a) => (a as { ok?: boolean } | undefined)?.ok === true });
  }
  while (client.open && Date.now() < endAt) {
    await Promise.race([pause(Math.min(model.socketSendEveryMs, endAt - Date.now())), client.closed]);
    if (!client.open || Date.now() >= endAt) break;
    const messageId = uuid();
    const conversationId = session.conversations[0];
    const sent = Date.now();
    const content = `k6 socket ${messageId.slice(0, 8)}`;
    const ack = await client.emitWithAck(
      'message:send',
      { conversationId, message_id: messageId, content },
      10_000,
    );
    if (ack !== undefined) ackTime.add(Date.now() - sent);
    const ok = (ack as { ok?: boolean } | undefined)?.ok === true;
    check(ack, { 'socket send acknowledged': () => ok });
    if (ok) acknowledged(messageId);
  }
  client.close();
  await client.closed;
}

/** One storm VU: its share of the storm's clients, logged in as one of its accounts (user40, user41, …). */
export async function stormClients(model: TrafficModel, data: SetupData, durationMs: number): Promise<void> {
  const storm = model.storm;
  if (!storm) return;
  const endAt = scenarioEnd(durationMs);
  const session = await sessionFor(model, data, `user${39 + slot(storm.accounts)}`);
  if (!session) return pause(1_000);
  const clients: Promise<void>[] = [];
  for (let i = 0; i < storm.socketsPerVu; i++) clients.push(stormSocket(model, session.token, endAt));
  await Promise.all(clients);
}

/** Holds one storm client open until `endAt`, reconnecting when dropped (and when refused, if told to). */
async function stormSocket(model: TrafficModel, token: string, endAt: number): Promise<void> {
  const retryRefusedMs = model.storm?.retryRefusedMs;
  while (Date.now() < endAt) {
    const client = await connect(model, token);
    if (client) {
      await Promise.race([client.closed, pause(endAt - Date.now())]);
      client.close();
      await client.closed;
      if (Date.now() < endAt) await pause(200 + Math.random() * 800);
    } else if (retryRefusedMs === undefined) {
      return; // socket.io-client takes a refusal as final
    } else {
      await pause(retryRefusedMs * (0.5 + Math.random()));
    }
  }
}

/** One brute-force attempt; an arrival rate, since an attacker does not wait for one guess before the next. */
export async function bruteForceAttempt(model: TrafficModel): Promise<void> {
  const n = exec.scenario.iterationInTest;
  const response = await http.asyncRequest(
    'POST',
    `${model.target}${ROUTES.login[1]}`,
    JSON.stringify({ username: `user${(n % 40) + 1}`, password: `guess-${n}` }),
    {
      headers: { 'content-type': 'application/json' },
      tags: { endpoint: 'login', name: `POST ${ROUTES.login[1]}` },
      timeout: 5_000,
      responseCallback: http.expectedStatuses(401),
    },
  );
  if (response.status === 401) loginFailures.add(1);
}
