import { isIP } from 'node:net';
import { InputError } from '../core/errors.ts';
import type { StackEndpoints } from './stack.ts';

function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '');
  if (bare === 'localhost') return true;
  if (isIP(bare) === 4) return bare.startsWith('127.');
  if (isIP(bare) === 6) return bare === '::1';
  return false;
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
