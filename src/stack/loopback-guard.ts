import { BlockList, isIP } from 'node:net';
import { InputError } from '../core/errors.ts';
import type { StackEndpoints } from './stack.ts';

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

/**
 * Only addresses that are loopback as written count: IPv4 in 127/8, ::1, IPv4-mapped forms of them
 * (::ffff:127.0.0.1), and the name `localhost`, which must resolve to loopback (RFC 6761). Any other
 * name is refused, whatever it resolves to now, since it may resolve elsewhere at the next lookup; so
 * are numeric forms URL parsers do not normalise (a decimal or octal host in a postgresql:// URL).
 */
export function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '');
  if (bare === 'localhost') return true;
  const family = isIP(bare);
  return family !== 0 && LOOPBACK.check(bare, family === 4 ? 'ipv4' : 'ipv6');
}

/** Every host the faults would touch: the front, the proxy, the store and the databases. */
export function faultTargets(endpoints: StackEndpoints): string[] {
  const urls = [
    endpoints.frontUrl,
    endpoints.proxyApiUrl,
    endpoints.objectStoreUrl,
    endpoints.database.primaryAdminUrl,
    endpoints.database.replicaAdminUrl,
    endpoints.database.appUrl,
  ].filter((url): url is string => Boolean(url));
  return [...new Set(urls.map((url) => new URL(url).hostname))];
}

/**
 * Faults are aimed only at this machine unless the user says otherwise: a stack whose hosts are not
 * loopback is refused before anything is injected.
 */
export function assertLoopbackTargets(endpoints: StackEndpoints, allowRemote: boolean): void {
  const remote = faultTargets(endpoints).filter((host) => !isLoopback(host));
  if (remote.length > 0 && !allowRemote) {
    throw new InputError([
      `refusing to inject faults into non-loopback host(s) ${remote.join(', ')}; pass --allow-remote-targets if that is really what you want`,
    ]);
  }
}
