import { check } from 'k6';
import http, { type RefinedResponse } from 'k6/http';
import { Counter, Rate } from 'k6/metrics';
import { setTimeout } from 'k6/timers';
import { type Endpoint, ROUTES } from './routes.ts';

// Runs inside k6 (inlined into every exported script): only k6 modules, no Node globals.

export type Action = 'send' | 'read-conversation' | 'read-own-messages' | 'list-conversations' | 'upload';

/** One scenario's traffic as gameday runs it; baked into the script, durations already time-scaled. */
export interface TrafficModel {
  scenario: string;
  target: string;
  password: string;
  users: number;
  sockets: number;
  thinkTimeMs: number;
  mix: Record<Action, number>;
  /** The mobile client's policy: after `timeoutMs` send again with the same message_id. */
  sendRetry?: { timeoutMs: number; attempts: number };
  socketSendEveryMs: number;
  baselineMs: number;
  faultMs: number;
  /** A connection storm: `vus` VUs each hold `socketsPerVu` sockets, logged in as `accounts` users. */
  storm?: { clients: number; vus: number; socketsPerVu: number; accounts: number; retryRefusedMs?: number };
  /** A brute-force attacker: wrong passwords for real usernames at a steady rate. */
  attacker?: { attemptsPerSecond: number };
}

export interface Session {
  username: string;
  token: string;
  userId: string;
  conversations: string[];
}

// The thresholds read these; only legitimate users' requests are counted in them.
const serverErrors = new Rate('chat_server_errors');
const blocked = new Rate('chat_blocked');
export const resends = new Counter('chat_send_resends');
export const loginFailures = new Counter('chat_login_failures');

export function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A v4 UUID for message_id (the backend wants a client-generated UUID). */
export function uuid(): string {
  return 'xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx'.replace(/[xy]/g, (c) => {
    const r = Math.floor(Math.random() * 16);
    return (c === 'x' ? r : (r & 3) | 8).toString(16);
  });
}

export function parse<T>(response: RefinedResponse<undefined>): T | undefined {
  try {
    return typeof response.body === 'string' ? (JSON.parse(response.body) as T) : undefined;
  } catch {
    return undefined;
  }
}

/** The model with what the environment overrides: `k6 run -e TARGET=https://… -e CHAT_PASSWORD=…`. */
export function fromEnv(model: TrafficModel): TrafficModel {
  const password = __ENV.CHAT_PASSWORD || model.password;
  if (!password) throw new Error("the users' password was not exported: k6 run -e CHAT_PASSWORD=…");
  return { ...model, target: (__ENV.TARGET || model.target).replace(/\/$/, ''), password };
}

/**
 * One request of a legitimate user, tagged with its endpoint. Only answered requests are counted in
 * `chat_server_errors`, as the backend's own http_requests_total counts them.
 */
export async function call(
  model: TrafficModel,
  session: Session | undefined,
  endpoint: Endpoint,
  path: string,
  body?: string,
  options: { contentType?: string; timeoutMs?: number } = {},
): Promise<RefinedResponse<undefined>> {
  const [method, route] = ROUTES[endpoint];
  const headers: Record<string, string> = {};
  if (body !== undefined) headers['content-type'] = options.contentType ?? 'application/json';
  if (session) headers.authorization = `Bearer ${session.token}`;
  const response = await http.asyncRequest(method, `${model.target}${path}`, body ?? null, {
    headers,
    tags: { endpoint, name: `${method} ${route}` },
    timeout: options.timeoutMs ?? 10_000,
  });
  if (response.status !== 0) {
    serverErrors.add(response.status >= 500, { endpoint });
    blocked.add(response.status === 403 && parse<{ error?: string }>(response)?.error === 'blocked', {
      endpoint,
    });
  }
  check(response, { 'legitimate request answered without 5xx': (r) => r.status > 0 && r.status < 500 });
  return response;
}

/** Logs in and lists the user's conversations; undefined (and a failed check) when either fails. */
export async function login(model: TrafficModel, username: string): Promise<Session | undefined> {
  const body = JSON.stringify({ username, password: model.password });
  const answer = await call(model, undefined, 'login', ROUTES.login[1], body);
  if (answer.status === 401) loginFailures.add(1);
  const auth = parse<{ token?: string; user?: { id: string } }>(answer);
  if (!check(answer, { 'logged in': (r) => r.status === 200 && !!auth?.token }) || !auth?.token || !auth.user)
    return undefined;
  const session: Session = { username, token: auth.token, userId: auth.user.id, conversations: [] };
  const list = await call(model, session, 'conversations', ROUTES.conversations[1]);
  session.conversations = (parse<{ conversations?: { id: string }[] }>(list)?.conversations ?? []).map(
    (c) => c.id,
  );
  return check(session, { 'has conversations': (s) => s.conversations.length > 0 }) ? session : undefined;
}
