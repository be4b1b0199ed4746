import { z } from 'zod';
import { httpRequest } from '../core/http-client.ts';
import { parsePrometheusText } from '../detection/prometheus-text.ts';
import type { Stack } from '../stack/stack.ts';
import { defineAction } from './action.ts';

async function call(stack: Stack, url: string, method: string, body?: unknown): Promise<unknown> {
  const response = await httpRequest(url, { method, body, token: stack.secrets.adminToken });
  if (response.status >= 300)
    throw new Error(
      `${method} ${new URL(url).pathname} answered ${response.status}: ${JSON.stringify(response.body)}`,
    );
  return response.body;
}

/** The feature-flag service call from runbook 1 (POST /api/flags/<flag>/disable|enable with FF_API_KEY). */
function flagAction(verb: 'disable' | 'enable') {
  return defineAction({
    action: `${verb}-flag`,
    looksLike: new RegExp(`/flags/[\\w-]+/${verb}\\b|=${verb}d\\b`),
    params: z.object({ flag: z.enum(['message-writes', 'attachment-uploads']) }).strict(),
    requires: [],
    describe: ({ flag }) => `${verb} the ${flag} feature flag`,
    async run({ flag }, { stack }) {
      await call(stack, `${stack.endpoints.frontUrl}/api/flags/${flag}/${verb}`, 'POST');
      return `${flag} ${verb}d on every replica`;
    },
  });
}

export const disableFlag = flagAction('disable');
export const enableFlag = flagAction('enable');

/**
 * Runbook 5's containment: count failed logins per source address (as `grep 401 | sort | uniq -c`
 * would) and block the addresses over the limit, as a responder reading the evidence would.
 */
export const blockOffenders = defineAction({
  action: 'block-offenders',
  looksLike: /\bwafv2\b|\biptables\b|\bblock(list)?\b/i,
  params: z.object({ minFailures: z.number().int().min(1) }).strict(),
  requires: [],
  describe: ({ minFailures }) => `block source addresses with ≥ ${minFailures} failed logins`,
  async run({ minFailures }, { stack }) {
    const failures = new Map<string, number>();
    for (const replica of stack.backend.replicas()) {
      const text = (await httpRequest<string>(`${replica.url}/metrics`)).raw.toString('utf8');
      for (const sample of parsePrometheusText(text)) {
        if (sample.name !== 'auth_failures_total' || !sample.labels.source_ip) continue;
        failures.set(sample.labels.source_ip, (failures.get(sample.labels.source_ip) ?? 0) + sample.value);
      }
    }
    const offenders = [...failures].filter(([, count]) => count >= minFailures).map(([ip]) => ip);
    if (offenders.length === 0) throw new Error(`no source address has ${minFailures} failed logins`);
    await call(stack, `${stack.endpoints.frontUrl}/admin/blocked-ips`, 'POST', {
      ips: offenders,
      reason: 'brute force',
    });
    return `blocked ${offenders.join(', ')} (${offenders.map((ip) => failures.get(ip)).join(', ')} failures)`;
  },
});

/** Runbook 4's manual reset: POST /admin/circuit-breaker/reset on every replica (the breaker is per pod). */
export const resetBreaker = defineAction({
  action: 'reset-breaker',
  looksLike: /circuit-breaker\/reset\b/i,
  params: z.object({}).strict(),
  requires: [],
  describe: () => 'reset the circuit breaker on every replica',
  async run(_, { stack }) {
    const states: string[] = [];
    for (const replica of stack.backend.replicas()) {
      const body = (await call(stack, `${replica.url}/admin/circuit-breaker/reset`, 'POST')) as {
        previous: string;
      };
      states.push(`${replica.name} was ${body.previous}`);
    }
    return `reset: ${states.join(', ')}`;
  },
});

/** Empties the block list (the post-incident clean-up once an attack is over). */
export const unblockAll = defineAction({
  action: 'unblock-all',
  params: z.object({}).strict(),
  requires: [],
  describe: () => 'remove every address from the block list',
  async run(_, { stack }) {
    const { ips } = (await call(stack, `${stack.endpoints.frontUrl}/admin/blocked-ips`, 'GET')) as {
      ips: string[];
    };
    for (const ip of ips) await call(stack, `${stack.endpoints.frontUrl}/admin/blocked-ips/${ip}`, 'DELETE');
    return ips.length > 0 ? `unblocked ${ips.join(', ')}` : 'nothing was blocked';
  },
});
