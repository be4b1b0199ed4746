import { describe, expect, it } from 'vitest';
import { assertLoopbackTargets, isLoopback } from '../../src/stack/loopback-guard.ts';
import type { StackEndpoints } from '../../src/stack/stack.ts';

/** The guard that keeps faults on this machine, against the forms a host can take in a URL. */

const endpoints = (front: string, database = 'postgresql://u:p@127.0.0.1:5432/chatdb'): StackEndpoints => ({
  frontUrl: front,
  proxies: {},
  database: { primaryAdminUrl: database, appUrl: database, appUser: 'chatuser', appDatabase: 'chatdb' },
});

describe('the non-loopback guard', () => {
  it.each([
    ['127.0.0.1'],
    ['127.42.0.7'],
    ['::1'],
    ['[::1]'],
    ['::ffff:127.0.0.1'],
    ['[::ffff:7f00:1]'],
    ['localhost'],
  ])('takes %s as this machine', (host) => {
    expect(isLoopback(host)).toBe(true);
  });

  it.each([
    ['10.0.0.1'],
    ['192.0.2.2'],
    ['0.0.0.0'],
    ['::ffff:10.0.0.1'],
    ['[::ffff:a00:1]'],
    ['fd00::2'],
    // Numeric forms only a resolver turns into an address (postgresql:// hosts are not normalised).
    ['2130706433'],
    ['0177.0.0.1'],
    ['0x7f000001'],
    // Names: whatever they resolve to now, they may resolve elsewhere at the next lookup.
    ['localhost.evil.example'],
    ['127.0.0.1.nip.io'],
    ['db.internal'],
  ])('refuses %s', (host) => {
    expect(isLoopback(host)).toBe(false);
  });

  it('reads hosts as URL parsers do: decimal and short http hosts are normalised first', () => {
    expect(() => assertLoopbackTargets(endpoints('http://2130706433:3000'), false)).not.toThrow();
    expect(() => assertLoopbackTargets(endpoints('http://167772161:3000'), false)).toThrow(
      /refusing to inject faults into non-loopback host\(s\) 10\.0\.0\.1/,
    );
    expect(() =>
      assertLoopbackTargets(
        endpoints('http://127.0.0.1:3000', 'postgresql://u:p@[::ffff:a00:1]:5432/db'),
        false,
      ),
    ).toThrow(/\[::ffff:a00:1\]/);
    expect(() =>
      assertLoopbackTargets(endpoints('http://127.0.0.1:3000', 'postgresql://u:p@db.internal:5432/db'), true),
    ).not.toThrow();
  });
});
