import { ms } from '../core/duration.ts';
import type { ResolvedScenario } from '../engine/resolve-scenario.ts';
import { DEFAULT_TRAFFIC } from '../load/load-generator.ts';
import type { TrafficModel } from './runtime/chat-api.ts';

/** Sockets one storm VU holds: k6/websockets runs many per VU, and a VU costs far more than a socket. */
const SOCKETS_PER_STORM_VU = 50;
/** The attacker's requests in flight at most (auth-attack's MAX_IN_FLIGHT). */
const ATTACKER_VUS = 32;
/** Gameday's sockets only listen; in k6 each also sends, so "every send acknowledged" is seen there too. */
const SOCKET_SEND_EVERY_MS = 1_000;

/**
 * The scenario's traffic as gameday runs it (src/load/load-generator.ts, the socket-storm and
 * auth-attack faults), with its runbook durations divided by `timeScale`. Think times, the resend
 * timeout and the attack rate are real time in gameday too, so they are not scaled.
 */
export function trafficModel(
  resolved: ResolvedScenario,
  options: { target: string; timeScale: number; password: string },
): TrafficModel {
  const { scenario } = resolved;
  const traffic = scenario.traffic;
  const model: TrafficModel = {
    scenario: scenario.id,
    target: options.target.replace(/\/$/, ''),
    password: options.password,
    users: traffic?.users ?? DEFAULT_TRAFFIC.users,
    sockets: traffic?.sockets ?? DEFAULT_TRAFFIC.sockets,
    thinkTimeMs: traffic?.thinkTime ? ms(traffic.thinkTime) : DEFAULT_TRAFFIC.thinkTimeMs,
    mix: { ...DEFAULT_TRAFFIC.mix, ...traffic?.mix },
    socketSendEveryMs: SOCKET_SEND_EVERY_MS,
    // The baseline, then the window gameday gives the alert to fire in.
    baselineMs: Math.round(resolved.baselineMs / options.timeScale),
    faultMs: Math.round(resolved.detectWithinMs / options.timeScale),
  };
  if (traffic?.sendRetry)
    model.sendRetry = { timeoutMs: ms(traffic.sendRetry.timeout), attempts: traffic.sendRetry.attempts };
  for (const fault of resolved.faults) {
    if (fault.kind === 'socket-storm') {
      const p = fault.params as { clients: number; accounts?: number; retryRefusedMs?: number };
      const accounts = p.accounts ?? 1;
      // At least one VU per account, so every account is used.
      const vus = Math.max(Math.ceil(p.clients / SOCKETS_PER_STORM_VU), Math.min(accounts, p.clients));
      model.storm = { clients: p.clients, vus, socketsPerVu: Math.ceil(p.clients / vus), accounts };
      if (p.retryRefusedMs !== undefined) model.storm.retryRefusedMs = p.retryRefusedMs;
    }
    if (fault.kind === 'auth-attack') {
      model.attacker = {
        attemptsPerSecond: (fault.params as { attemptsPerSecond: number }).attemptsPerSecond,
      };
    }
  }
  return model;
}

/** A k6 duration: whole seconds as "12s", else milliseconds ("1500ms"); Go's parser takes both. */
export function k6Duration(milliseconds: number): string {
  const whole = Math.max(1, Math.round(milliseconds));
  return whole % 1000 === 0 ? `${whole / 1000}s` : `${whole}ms`;
}

type K6Scenario = Record<string, string | number>;

/**
 * k6 scenarios matching the model: users and sockets as closed loops for the whole run (constant
 * VUs), the storm's VUs and the attacker's arrival rate for the fault window after the baseline.
 */
export function k6Scenarios(model: TrafficModel): Record<string, K6Scenario> {
  const whole = k6Duration(model.baselineMs + model.faultMs);
  const fault = { startTime: k6Duration(model.baselineMs), duration: k6Duration(model.faultMs) };
  const scenarios: Record<string, K6Scenario> = {
    users: {
      executor: 'constant-vus',
      exec: 'users',
      vus: model.users,
      duration: whole,
      gracefulStop: '10s',
    },
  };
  if (model.sockets > 0)
    scenarios.sockets = {
      executor: 'constant-vus',
      exec: 'sockets',
      vus: model.sockets,
      duration: whole,
      gracefulStop: '10s',
    };
  if (model.storm)
    scenarios.storm = {
      executor: 'constant-vus',
      exec: 'storm',
      vus: model.storm.vus,
      ...fault,
      gracefulStop: '10s',
    };
  if (model.attacker) {
    // k6 rates are whole numbers per time unit: 0.5/s becomes 30 per minute.
    const perSecond = model.attacker.attemptsPerSecond;
    const whole = Number.isInteger(perSecond);
    scenarios.attacker = {
      executor: 'constant-arrival-rate',
      exec: 'attacker',
      rate: whole ? perSecond : Math.max(1, Math.round(perSecond * 60)),
      timeUnit: whole ? '1s' : '1m',
      preAllocatedVUs: ATTACKER_VUS,
      maxVUs: ATTACKER_VUS,
      ...fault,
      gracefulStop: '5s',
    };
  }
  return scenarios;
}
