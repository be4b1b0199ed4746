import { Toxiproxy } from 'toxiproxy-node-client';
import { z } from 'zod';
import { sleep } from '../core/wait.ts';
import type { Stack } from '../stack/stack.ts';
import { defineFaultKind } from './fault.ts';

const proxyName = z.enum(['database', 'replica', 'objectStore']);
type ProxyRole = z.infer<typeof proxyName>;

/** The stack's Toxiproxy proxy for a role, driven with the ecosystem's own client. */
async function proxyFor(stack: Stack, role: ProxyRole) {
  const name = stack.endpoints.proxies[role];
  if (!stack.endpoints.proxyApiUrl || !name)
    throw new Error(`this stack has no fault proxy in front of the ${role}`);
  return new Toxiproxy(stack.endpoints.proxyApiUrl).get(name);
}

/** The check after an undo: the proxy accepts connections again. */
async function verifyEnabled(stack: Stack, role: ProxyRole): Promise<string | undefined> {
  return (await proxyFor(stack, role)).enabled ? undefined : `the ${role} proxy is still disabled`;
}

async function setEnabled(stack: Stack, role: ProxyRole, enabled: boolean): Promise<void> {
  const proxy = await proxyFor(stack, role);
  if (proxy.enabled !== enabled)
    await proxy.update({ enabled, listen: proxy.listen, upstream: proxy.upstream });
}

/** What shows a cut proxy, in a command's output or a query's cells, and what it is. */
const SHOWS_CUT: Record<ProxyRole, [(string | RegExp)[], string]> = {
  database: [
    [/ECONNREFUSED|connection refused|Connection terminated|timeout/i],
    'the database cut off at the proxy',
  ],
  replica: [[/ECONNREFUSED|connection refused|Connection terminated/i], 'the replica cut off at the proxy'],
  objectStore: [[/object store (unreachable|\w+ failed)/i], 'the attachment store cut off at the proxy'],
};

/** A dependency that is down: its proxy refuses connections and cuts the open ones (runbook 1, scenario C). */
export const proxyDown = defineFaultKind({
  kind: 'proxy-down',
  params: z.object({ proxy: proxyName }).strict(),
  requires: ['fault-proxy'],
  describe: ({ proxy }) => `cut the network to the ${proxy} (Toxiproxy enabled=false)`,
  reverted: ({ proxy }, stack) => verifyEnabled(stack, proxy),
  async inject({ proxy }, { stack, evidence }, registerUndo) {
    await registerUndo(
      () => setEnabled(stack, proxy, true),
      undefined,
      () => verifyEnabled(stack, proxy),
    );
    await setEnabled(stack, proxy, false);
    evidence?.(...SHOWS_CUT[proxy]);
  },
});

/** A short network blip: the proxy is cut for a while and restored (runbook 4, breaker stuck open). */
export const proxyBlip = defineFaultKind({
  kind: 'proxy-blip',
  params: z.object({ proxy: proxyName, durationMs: z.number().int().min(1).max(60_000) }).strict(),
  requires: ['fault-proxy'],
  describe: ({ proxy, durationMs }) => `cut the network to the ${proxy} for ${durationMs} ms`,
  async inject({ proxy, durationMs }, { stack, note, evidence }, registerUndo) {
    await registerUndo(
      () => setEnabled(stack, proxy, true),
      undefined,
      () => verifyEnabled(stack, proxy),
    );
    await setEnabled(stack, proxy, false);
    await sleep(durationMs);
    await setEnabled(stack, proxy, true);
    note(`network to the ${proxy} restored after ${durationMs} ms`);
    if (proxy === 'database')
      evidence?.(
        [/circuit breaker open/i, /"breaker":\s*"open"/],
        'the breakers the blip opened, on a database that answers again',
      );
  },
});

const toxicName = (type: string, stream: string) => `gameday_${type}_${stream}`;

async function toxicOn(stack: Stack, role: ProxyRole, name: string) {
  return (await proxyFor(stack, role)).getToxic(name).then(
    (toxic) => toxic,
    () => undefined,
  );
}

async function toxicGone(stack: Stack, role: ProxyRole, name: string): Promise<string | undefined> {
  return (await toxicOn(stack, role, name)) ? `toxic ${name} is still on the ${role} proxy` : undefined;
}

/** Any Toxiproxy toxic (latency, timeout, bandwidth…) on one of the stack's proxies. */
export const proxyToxic = defineFaultKind({
  kind: 'proxy-toxic',
  params: z
    .object({
      proxy: proxyName,
      type: z.enum(['latency', 'bandwidth', 'slow_close', 'timeout', 'slicer', 'limit_data', 'reset_peer']),
      stream: z.enum(['upstream', 'downstream']).default('downstream'),
      toxicity: z.number().min(0).max(1).default(1),
      attributes: z.record(z.string(), z.number()),
    })
    .strict(),
  requires: ['fault-proxy'],
  describe: ({ proxy, type, stream, attributes }) =>
    `${type} toxic on the ${proxy} (${stream}, ${Object.entries(attributes)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ')})`,
  reverted: ({ proxy, type, stream }, stack) => toxicGone(stack, proxy, toxicName(type, stream)),
  async inject({ proxy, type, stream, toxicity, attributes }, { stack, evidence }, registerUndo) {
    const target = await proxyFor(stack, proxy);
    const name = toxicName(type, stream);
    await registerUndo(
      async () => {
        await (await toxicOn(stack, proxy, name))?.remove();
      },
      undefined,
      () => toxicGone(stack, proxy, name),
    );
    await target.addToxic({ name, type, stream, toxicity, attributes } as never);
    if (proxy === 'database' && type === 'latency')
      evidence?.(
        [/"waiting":\s*[1-9]/, /"latencyMs":\s*[1-9]\d{2,}/],
        `requests waiting on the slow database link (${attributes.latency ?? '?'} ms added)`,
      );
  },
});
