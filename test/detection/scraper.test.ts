import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MetricStore } from '../../src/detection/metric-store.ts';
import { Scraper } from '../../src/detection/scraper.ts';

/** A hung database must not blind the harness: the backend's metrics are scraped regardless. */
let server: http.Server;
let url: string;

beforeAll(async () => {
  server = http.createServer((_, response) => response.end('circuit_breaker_state{breaker="database"} 1\n'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('the scraper', () => {
  it('scrapes the targets on time while a collector never answers', async () => {
    const store = new MetricStore(60_000, 2_000);
    const scraper = new Scraper({
      store,
      targets: () => [{ name: 'chat-backend-1', url }],
      intervalMs: 250,
      // The database exporter against a frozen server: its query never returns.
      collectors: [{ name: 'postgres', collect: () => new Promise(() => undefined) }],
    });
    const started = Date.now();
    await scraper.scrapeOnce();
    // The round waits one interval for it, not its 1 s deadline (250–425 ms measured here; a round
    // that waited for the deadline fails this).
    expect(Date.now() - started).toBeLessThan(900);
    expect(store.latest('circuit_breaker_state', undefined, Date.now())).toEqual([
      { labels: { breaker: 'database', target: 'chat-backend-1' }, value: 1 },
    ]);
  });

  it("marks a replaced replica's series stale the moment it leaves the scrape set, as Prometheus does", async () => {
    // Two replicas serving the same page; a rollout then replaces chat-backend-1 by chat-backend-3.
    const store = new MetricStore(60_000, 2_000);
    let targets = [
      { name: 'chat-backend-1', url },
      { name: 'chat-backend-2', url },
    ];
    const scraper = new Scraper({ store, targets: () => targets, intervalMs: 250 });
    await scraper.scrapeOnce();
    const breakerTargets = () =>
      store
        .latest('circuit_breaker_state', undefined, Date.now())
        .map((series) => series.labels.target)
        .sort();
    expect(breakerTargets()).toEqual(['chat-backend-1', 'chat-backend-2']);
    targets = [
      { name: 'chat-backend-2', url },
      { name: 'chat-backend-3', url },
    ];
    await scraper.scrapeOnce();
    // Well inside the 2 s staleness window, the departed pod is no longer seen by instant queries…
    expect(breakerTargets()).toEqual(['chat-backend-2', 'chat-backend-3']);
    // …while range functions still read the points it left in their window (Prometheus keeps them too).
    expect(store.select('circuit_breaker_state', { target: 'chat-backend-1' })[0]!.points).toHaveLength(1);
    // A target that comes back is fresh again from its next sample.
    targets = [{ name: 'chat-backend-1', url }];
    await scraper.scrapeOnce();
    expect(breakerTargets()).toContain('chat-backend-1');
  });

  it('keeps scraping the pods every interval while the database exporter is slow, as Prometheus does', async () => {
    // The exporter on a struggling primary: each collect answers after 700 ms, almost three intervals.
    // Prometheus would keep scraping the pods on their own loop meanwhile.
    const store = new MetricStore(60_000, 2_000);
    let collects = 0;
    const slowExporter = {
      name: 'postgres',
      collect: async () => {
        collects += 1;
        await new Promise((resolve) => setTimeout(resolve, 700));
        return [{ name: 'pg_up', labels: {}, value: 1 }];
      },
    };
    const rounds: number[] = [];
    const scraper = new Scraper({
      store,
      targets: () => [{ name: 'chat-backend-1', url }],
      intervalMs: 250,
      collectors: [slowExporter],
      onScrape: (at) => rounds.push(at),
    });
    const started = Date.now();
    scraper.start();
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    await scraper.stop();
    // About 4 rounds a second (each one interval of waiting, then one interval's pause), not one round
    // per slow collect (the old pace: 2 rounds in 2 s).
    expect(rounds.length).toBeGreaterThanOrEqual(4);
    // The exporter is not asked again while it still answers: one collect in flight at a time.
    expect(collects).toBeLessThanOrEqual(Math.ceil((Date.now() - started) / 700));
    // Its samples landed, stamped with the round that asked for them, and none after stop().
    const points = store.select('pg_up')[0]!.points;
    expect(points.length).toBe(collects);
    for (const point of points) expect(rounds).toContain(point.t);
    const afterStop = points.length;
    await new Promise((resolve) => setTimeout(resolve, 800));
    expect(store.select('pg_up')[0]!.points.length).toBe(afterStop);
  });
});
