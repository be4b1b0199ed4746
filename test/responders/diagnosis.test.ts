import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { incidentFacts } from '../../src/engine/answer-key.ts';
import { loadScenarios } from '../../src/engine/load-scenarios.ts';
import type { ResolvedScenario } from '../../src/engine/resolve-scenario.ts';
import { DEFAULT_RUNBOOK, DEFAULT_SCENARIOS_DIR } from '../../src/engine/run-game-day.ts';
import { judgeDiagnosis, namedCauses } from '../../src/responders/diagnosis.ts';
import { readRunbook } from '../../src/runbooks/parse-runbook.ts';
import { EmbeddedStack } from '../../src/stack/embedded/embedded-stack.ts';

/**
 * The diagnosis matcher against the real scenarios: what responders might write in `gameday mark
 * root-cause "…"`, judged right, partly right, wrong or vague against what was injected.
 */
let scenarios: Map<string, ResolvedScenario>;

beforeAll(async () => {
  const runbooks = await readRunbook(DEFAULT_RUNBOOK);
  // The default game day's scenarios and the compound incidents kept beside them.
  const resolved = await Promise.all(
    [DEFAULT_SCENARIOS_DIR, path.join(DEFAULT_SCENARIOS_DIR, 'compound')].map((dir) =>
      loadScenarios({ dir, runbooks, capabilities: EmbeddedStack.capabilities, stackKind: 'embedded' }),
    ),
  );
  scenarios = new Map(resolved.flat().map((r) => [r.scenario.id, r]));
});

const judge = (id: string, text: string) => judgeDiagnosis(text, incidentFacts(scenarios.get(id)!));
const verdict = (id: string, text: string) => judge(id, text).verdict;

describe('judging a diagnosis', () => {
  it.each([
    ['bad-deploy', 'Release 1.5.0 has a null-check bug in the send path'],
    ['bad-deploy', 'bad deploy'],
    ['bad-deploy', 'the recent deployment broke message sends; rolled back'],
    ['memory-leak', 'the new release leaks memory and the pods get OOM-killed'],
    ['pool-exhausted', 'connection pool exhausted: 2 connections are too small for the slow queries'],
    ['pool-exhausted', 'high latency on the link to the database'],
    ['missing-index', 'sequential scans on messages: the (user_id, created_at) index is missing'],
    ['lock-contention', 'a nightly report holds a lock on messages and every insert waits'],
    ['runaway-query', 'two runaway analytics queries pin the CPU'],
    ['connection-limit', 'report-exporter leaks connections until too many clients'],
    ['database-outage', 'the primary database is down'],
    ['database-hang', 'postgres primary hangs: connections open but queries never answer'],
    ['breaker-stuck', 'a network blip left the breakers stuck open on a healthy database'],
    ['dependency-down', 'the attachment store is unreachable'],
    ['connection-storm-attack', 'a DDoS: thousands of sockets from three addresses'],
    ['connection-spike', 'a legitimate traffic spike from a big event, not enough replicas'],
    ['brute-force', 'brute force on the login from 127.0.0.66'],
    ['duplicate-messages', 'mobile clients resend with the same message_id and we store duplicates'],
    ['lost-messages', 'a cleanup job deleted the newest messages and left orphans'],
  ])('%s: "%s" is right', (id, text) => {
    expect(judge(id, text)).toMatchObject({ verdict: 'right' });
  });

  it.each([
    ['bad-deploy', 'the database is down'],
    ['bad-deploy', 'a missing index on messages'],
    ['missing-index', 'lock contention on the messages table'],
    ['breaker-stuck', 'the primary database is down'],
    ['connection-spike', 'a DDoS from a botnet'],
    ['connection-storm-attack', 'a legitimate traffic spike'],
    ['database-outage', 'a bad release'],
  ])('%s: "%s" is wrong', (id, text) => {
    expect(verdict(id, text)).toBe('wrong');
  });

  it.each([
    // Restating the alert, or pointing at a component without saying what is wrong with it.
    ['bad-deploy', 'error rate on message sends is above 1%'],
    ['bad-deploy', 'something is wrong with the backend'],
    ['missing-index', 'the database is slow'],
    ['missing-index', 'p95 query time is high'],
    ['breaker-stuck', 'circuit breaker open'],
    ['pool-exhausted', 'database problems'],
    ['bad-deploy', ''],
  ])('%s: "%s" is vague', (id, text) => {
    expect(verdict(id, text)).toBe('vague');
  });

  it('a list of guesses with the right one among them is only partly right', () => {
    expect(judge('bad-deploy', 'either the new release is broken or an index is missing')).toMatchObject({
      verdict: 'partly right',
      named: ['bad-release', 'missing-index'],
    });
  });

  it('a cause ruled out in its clause is not named', () => {
    expect(namedCauses('not the deploy; the index is missing').map((c) => c.id)).toEqual(['missing-index']);
    expect(verdict('missing-index', 'not the deploy; the index is missing')).toBe('right');
    expect(verdict('bad-deploy', 'the new release is not the cause, the index was dropped')).toBe('wrong');
    expect(verdict('bad-deploy', 'if it is not the lock then the new version is buggy')).toBe('right');
    // "no index" is the cause itself, not a negation of it.
    expect(verdict('missing-index', 'there is no index for user_id')).toBe('right');
  });

  it('a compound incident is rightly diagnosed only when every fault is named', () => {
    const id = 'bad-deploy-then-dependency-down';
    expect(verdict(id, 'a bad release, and then the attachment store went down')).toBe('right');
    const half = judge(id, 'a bad release');
    expect(half.verdict).toBe('partly right');
    expect(half.detail).toMatch(/not named: cut the network to the objectStore/);
    expect(verdict(id, 'the database is down')).toBe('wrong');
  });
});
