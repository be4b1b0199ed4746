import { describe, expect, it } from 'vitest';
import type { Sample } from '../../src/detection/prometheus-text.ts';
import { eventsOf, type JournalEvent, type JournalKind } from '../../src/engine/journal.ts';
import type { ResolvedScenario } from '../../src/engine/resolve-scenario.ts';
import { nobodyResponds } from '../../src/engine/responses/nobody-responds.ts';
import { peopleAtTheDesk } from '../../src/engine/responses/people-at-the-desk.ts';
import type { Response } from '../../src/engine/responses/response.ts';
import { runbookRemedy } from '../../src/engine/responses/runbook-remedy.ts';
import { runScenario } from '../../src/engine/run-scenario.ts';
import type { ScenarioAlerting } from '../../src/engine/scenario-run.ts';
import type { Undo } from '../../src/faults/fault.ts';
import { type FaultBackend, localFaults } from '../../src/faults/fault-backend.ts';
import { ResponderDesk } from '../../src/responders/responder-desk.ts';
import type { Scenario } from '../../src/scenario/schema.ts';
import { FakeAlertSource } from '../support/fakes/fake-alert-source.ts';
import { FakeClock } from '../support/fakes/fake-clock.ts';
import { FakeLoad, fakeServices, MemoryLedger } from '../support/fakes/fake-services.ts';
import { FakeStack } from '../support/fakes/fake-stack.ts';

/**
 * The scenario loop's logic on a fake clock and a fake stack: phase order, detection and recovery
 * timing, what each responder does, revert on a throw or a hang in any phase, the abort. Real fault
 * kinds and remedy actions run against the fake stack; minutes of scenario take milliseconds.
 * (The game day on real stacks, in scenarios.test.ts and the others, proves the integration.)
 */

const SCRAPE_MS = 250;
const ROLLOUT_MS = 1_000;

/** runbook 1's bad deploy, reduced to its logic: release 1.5.0 fails 20 % of sends; a rollback fixes it. */
function badDeploy(overrides: Partial<ResolvedScenario> = {}): ResolvedScenario {
  const scenario = {
    id: 'fake-bad-deploy',
    title: 'A release that fails sends',
    file: 'test/engine/scenario-loop.test.ts',
    runbook: { number: 1 },
    fault: { kind: 'deploy-release', release: '1.5.0' },
    alert: { name: 'SendErrorsHigh', unit: 'ratio', expr: { fn: 'value', metric: 'fake_error_share' } },
    remedy: [{ action: 'rollback' }],
    recovered: { checks: [], alertResolves: true },
    restore: [],
    claims: [],
    invariants: ['no-acknowledged-message-lost'],
  } as unknown as Scenario;
  const rule = {
    name: 'SendErrorsHigh',
    expr: { fn: 'value', metric: 'fake_error_share', agg: 'max' },
    comparator: '>',
    threshold: 0.01,
    forMs: 300_000,
    severity: 'P1',
    runbook: 1,
    origin: 'the test',
  } as const;
  return {
    scenario,
    runbookTitle: 'Elevated Error Rates',
    severity: 'P1',
    rule,
    alerts: [{ rule, fault: 0, detectWithinMs: 600_000, resolveWithinMs: 1_200_000 }],
    faults: [
      {
        kind: 'deploy-release',
        params: { release: '1.5.0' },
        description: 'deploy release 1.5.0',
        afterMs: 0,
      },
    ],
    remedy: [{ action: 'rollback', params: {}, description: 'roll back to the previous revision' }],
    restore: [],
    recoveryChecks: [],
    claims: [],
    recoveryNeedsAlertResolved: true,
    baselineMs: 180_000,
    detectWithinMs: 600_000,
    resolveWithinMs: 1_200_000,
    recoveryHoldMs: 60_000,
    requires: ['rollout'],
    ...overrides,
  };
}

interface Harness {
  clock: FakeClock;
  stack: FakeStack;
  load: FakeLoad;
  ledger: MemoryLedger;
  controller: AbortController;
  events: JournalEvent[];
  onEvent?: (event: JournalEvent, harness: Harness) => void;
  /** What each scrape reads (default: the running release's error share). */
  sample?: () => Sample[];
}

function harness(releases: Record<string, number> = { '1.5.0': 0.2 }): Harness {
  const clock = new FakeClock(60);
  return {
    clock,
    stack: new FakeStack({ clock, releases, rolloutMs: ROLLOUT_MS }),
    load: new FakeLoad(),
    ledger: new MemoryLedger(),
    controller: new AbortController(),
    events: [],
  };
}

function run(
  h: Harness,
  resolved: ResolvedScenario,
  response: Response = runbookRemedy,
  alerting?: ScenarioAlerting,
) {
  return runScenario(
    resolved,
    {
      stack: h.stack,
      clock: h.clock,
      ledger: h.ledger,
      signal: h.controller.signal,
      services: fakeServices(
        h.clock,
        h.load,
        h.sample ?? (() => [{ name: 'fake_error_share', labels: {}, value: h.stack.errorShare() }]),
        SCRAPE_MS,
      ),
      ...(alerting ? { alerting } : {}),
      onEvent: (event) => {
        h.events.push(event);
        h.onEvent?.(event, h);
      },
    },
    response,
  );
}

const kinds = (events: JournalEvent[]) => events.map((event) => event.kind);
const at = (events: JournalEvent[], kind: JournalKind) => events.find((event) => event.kind === kind)!.at;

/** The fault is gone: the release the stack started with runs, and the ledger has nothing left. */
function expectReverted(h: Harness) {
  expect(h.stack.release).toBe('1.4.2');
  expect(h.ledger.active()).toEqual([]);
  expect(h.load.stopped).toBe(true);
}

describe('the scenario loop (fake clock, fake stack)', () => {
  it('runs the phases in order and measures TTD and TTR on the run clock', async () => {
    const h = harness();
    const result = await run(h, badDeploy());
    expect(result.status, result.reasons.join('; ')).toBe('passed');
    expect(kinds(result.timeline)).toEqual([
      'scenario-start',
      'traffic-start',
      'baseline-ok',
      'fault-injecting',
      'fault-note',
      'fault-injected',
      'alert-pending',
      'alert-firing',
      'remedy-step',
      'remedy-step-done',
      'alert-inactive',
      'recovered',
      'fault-reverted',
      'invariants',
    ]);
    // The alert's 5 min "sustained" at scale 60 is 5 s, seen at the first scrape after the release is in.
    expect(result.detection.timeToDetectMs).toBeGreaterThanOrEqual(5_000);
    expect(result.detection.timeToDetectMs).toBeLessThanOrEqual(5_000 + SCRAPE_MS);
    expect(result.detection.timeToDetectAtRunbookScaleMs).toBe(result.detection.timeToDetectMs! * 60);
    // Recovery begins at the first scrape after the rollback, and is dated from there, not from the hold.
    const ttr = result.resolution.timeToResolveMs!;
    expect(ttr).toBeGreaterThanOrEqual(result.detection.timeToDetectMs! + ROLLOUT_MS);
    expect(ttr).toBeLessThanOrEqual(result.detection.timeToDetectMs! + ROLLOUT_MS + 2 * SCRAPE_MS);
    expect(result.resolution.remedyWorkMs).toBe(ROLLOUT_MS);
    expect(result.fault.injectionMs).toBe(ROLLOUT_MS);
    expect(result.remedy).toEqual([expect.objectContaining({ action: 'rollback', ok: true })]);
    expect(result.faultsReverted).toBe(true);
    expectReverted(h);
  });

  describe('remedy work that outlasts the damage (a rollback whose old replicas wait out a 10 s grace)', () => {
    const GRACE_MS = 10_000;
    /** Failed sends as a counter, paged on their rate over 5 minutes (5 s here), so the alert lags. */
    function lagging(h: Harness, checks: ResolvedScenario['recoveryChecks']) {
      let failed = 0;
      h.sample = () => {
        failed += h.stack.errorShare() * 100;
        return [
          { name: 'fake_failed_total', labels: {}, value: failed },
          { name: 'fake_error_share', labels: {}, value: h.stack.errorShare() },
        ];
      };
      h.stack.overrides.undo = async () => {
        delete h.stack.overrides.undo;
        const revision = await h.stack.backend.undo();
        await h.clock.sleep(GRACE_MS); // the previous release's replicas stopping; the rollback serves
        return revision;
      };
      const rule = {
        ...badDeploy().rule,
        expr: { fn: 'rate', metric: 'fake_failed_total', windowMs: 300_000 },
        threshold: 1,
        forMs: 60_000,
      } as const;
      // 4 min: inside it with the grace set aside whole, outside it once the window's clearing counts.
      return badDeploy({
        rule,
        alerts: [{ rule, fault: 0, detectWithinMs: 600_000, resolveWithinMs: 240_000 }],
        resolveWithinMs: 240_000,
        recoveryChecks: checks,
      });
    }
    const sendsSucceed = {
      name: 'sends succeed',
      comparator: '<',
      threshold: 0.01,
      expr: { fn: 'value', metric: 'fake_error_share', agg: 'max' },
    } as const;

    for (const [sign, checks] of [
      ['its recovery check', [sendsSucceed]],
      ['the alert’s signal over a minute', []],
    ] as const) {
      it(`counts the alert's window clearing during the grace, told by ${sign}`, async () => {
        const h = harness();
        const result = await run(h, lagging(h, [...checks]));
        const { timeToResolveMs, remedyWorkMs, remedyWorkWhileClearingMs, targetMs } = result.resolution;
        // The alert clears while the grace still runs, 5 s after the rollback began to serve: the rollout
        // until then is set aside, the grace while the window emptied counts, the grace after is not TTR.
        expect(remedyWorkMs).toBeGreaterThanOrEqual(ROLLOUT_MS);
        expect(remedyWorkMs).toBeLessThanOrEqual(ROLLOUT_MS + 4 * SCRAPE_MS);
        expect(remedyWorkWhileClearingMs).toBeGreaterThanOrEqual(5_000 - 4 * SCRAPE_MS);
        expect(remedyWorkWhileClearingMs).toBeLessThanOrEqual(5_000);
        expect(timeToResolveMs! - remedyWorkMs).toBeGreaterThan(targetMs!);
        expect(result.status).toBe('failed');
        expect(result.reasons.join('; ')).toMatch(
          /more ran while the alert's window cleared, which counts\), over the 4\.0 s target/,
        );
        expectReverted(h);
      });
    }

    it('sets the rollout aside whole when nothing tells the damage stopped earlier (an alert on a gauge)', async () => {
      const h = harness();
      const resolved = lagging(h, []);
      const rule = { ...resolved.rule, expr: badDeploy().rule.expr, threshold: 0.01 };
      const result = await run(h, { ...resolved, rule, alerts: [{ ...resolved.alerts[0]!, rule }] });
      expect(result.status, result.reasons.join('; ')).toBe('passed');
      // The gauge clears at the first scrape after the rollback serves; the grace after it is not TTR.
      expect(result.resolution.remedyWorkMs).toBeGreaterThanOrEqual(ROLLOUT_MS);
      expect(result.resolution.remedyWorkMs).toBeLessThanOrEqual(ROLLOUT_MS + SCRAPE_MS);
      expect(result.resolution.remedyWorkWhileClearingMs).toBeUndefined();
    });
  });

  it('with nobody responding, fails "not resolved" at the target and still reverts the fault', async () => {
    const h = harness();
    const result = await run(h, badDeploy(), nobodyResponds);
    expect(result.status).toBe('failed');
    expect(result.reasons[0]).toMatch(/^not resolved: SendErrorsHigh is firing/);
    expect(result.detection.fired).toBe(true);
    expect(result.resolution.resolved).toBe(false);
    // Gave up at the target: 5 min + 15 min of runbook time after the fault, 20 s here.
    expect(
      at(result.timeline, 'not-resolved') - at(result.timeline, 'fault-injected'),
    ).toBeGreaterThanOrEqual(20_000);
    expect(kinds(result.timeline)).toContain('remedy-skipped');
    expect(result.faultsReverted).toBe(true);
    expectReverted(h);
  });

  it('reports "not detected" when the alert cannot fire (a misconfigured threshold), and reverts', async () => {
    const h = harness();
    const resolved = badDeploy();
    const rule = { ...resolved.rule, threshold: 2 };
    const result = await run(h, { ...resolved, rule, alerts: [{ ...resolved.alerts[0]!, rule }] });
    expect(result.status).toBe('failed');
    expect(result.reasons).toEqual([
      expect.stringMatching(/^not detected: SendErrorsHigh did not fire within 10\.0 s of the fault/),
    ]);
    expect(result.detection).toMatchObject({ fired: false, timeToDetectMs: null });
    expect(kinds(result.timeline)).not.toContain('remedy-step');
    expectReverted(h);
  });

  it('a fault carried out by another back-end (a FIS experiment): the timeline names it, the revert reads as it updated', async () => {
    const h = harness();
    // A back-end that runs the fault "as an experiment": its undo registered first, its id learned after.
    const byExperiment: FaultBackend = {
      name: 'experiment',
      async inject(fault, context, register) {
        let undoDamage: Undo | undefined;
        const handle = await register(async () => undoDamage?.(), { experiment: 'pending' });
        context.experiment?.({ experimentId: 'EXPfake', status: 'initiating', detail: 'EXPfake started' });
        await handle.update({ description: `${fault.description} (FIS experiment EXPfake)` });
        await localFaults.inject(fault, context, async (undo) => {
          undoDamage = undo;
          return { update: async () => undefined };
        });
        context.experiment?.({ experimentId: 'EXPfake', status: 'running', detail: 'EXPfake in place' });
      },
    };
    const result = await runScenario(
      badDeploy(),
      {
        stack: h.stack,
        clock: h.clock,
        ledger: h.ledger,
        signal: h.controller.signal,
        services: {
          ...fakeServices(h.clock, h.load, () => [
            { name: 'fake_error_share', labels: {}, value: h.stack.errorShare() },
          ]),
          faults: byExperiment,
        },
      },
      runbookRemedy,
    );
    expect(result.status, result.reasons.join('; ')).toBe('passed');
    const experiments = eventsOf(result.timeline, 'fault-experiment');
    expect(experiments.map((e) => [e.experimentId, e.status])).toEqual([
      ['EXPfake', 'initiating'],
      ['EXPfake', 'running'],
    ]);
    const [injected] = eventsOf(result.timeline, 'fault-injected');
    expect(injected!.detail).toMatch(/^deploy release 1\.5\.0 by FIS experiment EXPfake \(in place after/);
    // TTD counts from the fault in place, after the experiment's last word on it.
    expect(injected!.at).toBeGreaterThanOrEqual(experiments[1]!.at);
    expect(eventsOf(result.timeline, 'fault-reverted')[0]!.detail).toBe(
      'deploy release 1.5.0 (FIS experiment EXPfake)',
    );
    expect(h.ledger.entries.map((e) => e.description)).toEqual([
      'deploy release 1.5.0 (FIS experiment EXPfake)',
    ]);
    expectReverted(h);
  });

  it('fails a false alarm in the baseline before injecting anything', async () => {
    // A baseline longer than the alert's 5 s "sustained", so an alert that is wrong from the start fires in it.
    const h = harness({ '1.4.2': 0.5 });
    const result = await run(h, badDeploy({ baselineMs: 600_000 }));
    expect(result.status).toBe('failed');
    expect(result.falseAlarm).toBe(true);
    expect(result.reasons[0]).toMatch(/^false alarm/);
    expect(kinds(result.timeline)).not.toContain('fault-injecting');
    expect(h.ledger.entries).toEqual([]);
  });

  describe('a throw in any phase ends the scenario and still reverts', () => {
    it('the traffic cannot start: an error, nothing injected', async () => {
      const h = harness();
      h.load.startError = new Error('user1 cannot log in');
      const result = await run(h, badDeploy());
      expect(result.status).toBe('error');
      expect(result.reasons).toEqual(['error: user1 cannot log in']);
      expect(h.ledger.entries).toEqual([]);
      expect(h.load.stopped).toBe(true);
    });

    it('the injection fails after its undo was registered: an error, the undo still runs', async () => {
      const h = harness();
      h.stack.overrides.deploy = async () => {
        delete h.stack.overrides.deploy;
        throw new Error('the rollout was refused');
      };
      const result = await run(h, badDeploy());
      expect(result.status).toBe('error');
      expect(result.reasons).toEqual(['error: the rollout was refused']);
      expect(h.ledger.entries.map((entry) => entry.state)).toEqual(['reverted']);
      expectReverted(h);
    });

    it('a remedy step fails: the scenario fails, the fault is reverted by its own undo', async () => {
      const h = harness();
      h.stack.overrides.undo = async () => {
        throw new Error('no previous revision');
      };
      const result = await run(h, badDeploy());
      expect(result.status).toBe('failed');
      expect(result.reasons).toEqual([
        'remedy step "roll back to the previous revision" failed: no previous revision',
      ]);
      expect(result.remedy).toEqual([expect.objectContaining({ ok: false })]);
      expectReverted(h);
    });

    it('a remedy step hangs: abandoned at its deadline, the scenario fails, the fault is reverted', async () => {
      const h = harness();
      h.stack.overrides.undo = () => new Promise(() => undefined);
      const result = await run(h, badDeploy());
      expect(result.status).toBe('failed');
      expect(result.reasons[0]).toMatch(
        /roll back to the previous revision: no answer within 3\.0 min; abandoned/,
      );
      expect(kinds(result.timeline)).toContain('step-abandoned');
      expectReverted(h);
    });
  });

  describe('an abort', () => {
    it('while a remedy step hangs: reverted within the undo’s own time, reported "aborted"', async () => {
      const h = harness();
      h.stack.overrides.undo = () => new Promise(() => undefined);
      h.onEvent = (event, { controller }) => {
        if (event.kind === 'remedy-step') controller.abort();
      };
      const result = await run(h, badDeploy());
      expect(result.status).toBe('aborted');
      expect(result.reasons).toEqual(['interrupted: the run was stopped; faults were reverted']);
      // The hung step is not waited for: the revert (one rollout) starts at once.
      const aborted = at(result.timeline, 'aborted');
      expect(at(result.timeline, 'fault-reverted') - aborted).toBeLessThanOrEqual(ROLLOUT_MS);
      expectReverted(h);
    });

    it('with a reason (the facilitator, a guard) says it', async () => {
      const h = harness();
      h.onEvent = (event, { controller }) => {
        if (event.kind === 'alert-firing') controller.abort('a guard fired: CheckoutErrors');
      };
      const result = await run(h, badDeploy());
      expect(result.status).toBe('aborted');
      expect(result.reasons).toEqual(['interrupted: a guard fired: CheckoutErrors; faults were reverted']);
      expectReverted(h);
    });

    it('while the injection hangs: the revert waits at most 15 s for it, then undoes', async () => {
      const h = harness();
      h.stack.overrides.deploy = () => {
        delete h.stack.overrides.deploy;
        return new Promise(() => undefined);
      };
      h.onEvent = (event, { controller }) => {
        if (event.kind === 'fault-note') controller.abort();
      };
      const result = await run(h, badDeploy());
      expect(result.status).toBe('aborted');
      const waited = at(result.timeline, 'fault-reverted') - at(result.timeline, 'aborted');
      expect(waited).toBeGreaterThanOrEqual(15_000);
      expect(waited).toBeLessThanOrEqual(15_000 + ROLLOUT_MS);
      expectReverted(h);
    });
  });

  describe('people at the desk', () => {
    const atTheDesk = (desk: ResponderDesk, timeBoxMs = 60_000) =>
      peopleAtTheDesk({ desk, timeBoxMs, runbooks: [] });

    it('a rollback through gameday ctl resolves it; the harness marks "service restored"', async () => {
      const h = harness();
      const desk = new ResponderDesk(() => undefined);
      h.onEvent = (event) => {
        if (event.kind === 'alert-firing')
          void desk.ctl(['kubectl', 'rollout', 'undo', 'deployment/chat-backend']);
      };
      const result = await run(h, badDeploy(), atTheDesk(desk));
      expect(result.status, result.reasons.join('; ')).toBe('passed');
      expect(result.responders?.actions).toEqual([
        expect.objectContaining({ action: 'rollback', changes: true, ok: true }),
      ]);
      expect(result.responders?.checkpoints.map((c) => [c.id, c.source])).toEqual([
        ['service-restored', 'detected'],
      ]);
      expect(result.remedy).toEqual([]);
      expectReverted(h);
    });

    it('nobody fixes it: the time box reverts the fault and fails the scenario', async () => {
      const h = harness();
      const result = await run(h, badDeploy(), atTheDesk(new ResponderDesk(() => undefined), 30_000));
      expect(result.status).toBe('failed');
      expect(result.reasons).toEqual([
        'time box: not resolved within 30.0 s of the fault; the harness reverted the fault itself',
      ]);
      expect(at(result.timeline, 'time-box') - at(result.timeline, 'fault-injected')).toBeGreaterThanOrEqual(
        30_000,
      );
      expectReverted(h);
    });

    it('an alert that clears without a fix attempt is not a recovery', async () => {
      // The release heals itself once its rollout is over; nobody did anything, so nothing was resolved.
      const h = harness({ '1.5.0': 0 });
      const result = await run(h, badDeploy(), atTheDesk(new ResponderDesk(() => undefined), 20_000));
      expect(result.status).toBe('failed');
      expect(result.resolution.resolved).toBe(false);
      expect(result.reasons).toContainEqual(expect.stringMatching(/^time box/));
    });
  });
});

describe('alert sources and guards (fake clock, fake stack)', () => {
  const errorShare = (h: Harness) => () => [
    { name: 'fake_error_share', labels: {}, value: h.stack.errorShare() },
  ];
  /** A Prometheus that evaluates the scenario's own rule, read every 125 ms; tolerance 2 × 250 ms. */
  function prometheus(h: Harness, options: Partial<ConstructorParameters<typeof FakeAlertSource>[1]> = {}) {
    return new FakeAlertSource(h.clock, { rules: [badDeploy().rule], samples: errorShare(h), ...options });
  }
  const reading = (source: FakeAlertSource, guards: ScenarioAlerting['guards'] = []): ScenarioAlerting => ({
    source,
    pollMs: 125,
    scrapeAndEvaluationMs: 2 * SCRAPE_MS,
    guards,
  });

  it('measures TTD from the chosen source, with gameday’s own evaluator beside it as the parity', async () => {
    const h = harness();
    const result = await run(h, badDeploy(), runbookRemedy, reading(prometheus(h)));
    expect(result.status, result.reasons.join('; ')).toBe('passed');
    const { detection } = result;
    expect(detection.source).toBe('prometheus');
    const parity = detection.parity!;
    expect(detection.timeToDetectMs).toBe(parity.sourceTimeToDetectMs);
    expect(parity.builtinTimeToDetectMs).toBeGreaterThanOrEqual(5_000);
    // Both fire on the same samples: apart by at most one read of the source and one scrape.
    expect(Math.abs(parity.differenceMs!)).toBeLessThanOrEqual(125 + SCRAPE_MS);
    expect(parity).toMatchObject({
      toleranceMs: 2 * SCRAPE_MS + 125,
      withinTolerance: true,
      disagreements: [],
    });
    expect(kinds(result.timeline)).toContain('source-alert');
    expectReverted(h);
  });

  it('with Alertmanager as the source, judges the Prometheus behind it, read in the same rounds', async () => {
    const h = harness();
    const alertmanager = prometheus(h, { kind: 'alertmanager' });
    const result = await run(h, badDeploy(), runbookRemedy, {
      ...reading(alertmanager),
      prometheus: prometheus(h),
    });
    expect(result.status, result.reasons.join('; ')).toBe('passed');
    const parity = result.detection.parity!;
    expect(parity.source).toBe('alertmanager');
    expect(parity.prometheusTimeToDetectMs).not.toBeNull();
    expect(parity.prometheusDifferenceMs).toBe(
      parity.prometheusTimeToDetectMs! - parity.builtinTimeToDetectMs!,
    );
    expect(parity.withinTolerance).toBe(true);
  });

  it('reports a source whose rule fires much later than gameday’s as a disagreement, and who fired first', async () => {
    const h = harness();
    const slow = prometheus(h, { rules: [{ ...badDeploy().rule, forMs: 420_000 }] });
    const result = await run(h, badDeploy(), runbookRemedy, reading(slow));
    const parity = result.detection.parity!;
    expect(parity.firstToFire).toBe('builtin');
    expect(parity.differenceMs).toBeGreaterThanOrEqual(2_000 - SCRAPE_MS);
    expect(parity.withinTolerance).toBe(false);
    expect(parity.disagreements[0]).toMatchObject({ builtin: 'firing', source: 'pending' });
  });

  it('a false alarm is the source’s: its rule firing in the baseline fails the scenario before any fault', async () => {
    const h = harness({ '1.4.2': 0.005, '1.5.0': 0.2 });
    // The team's rule is stricter than the runbook's: it fires on the healthy release.
    const strict = prometheus(h, { rules: [{ ...badDeploy().rule, threshold: 0.001 }] });
    const result = await run(h, badDeploy({ baselineMs: 600_000 }), runbookRemedy, reading(strict));
    expect(result.status).toBe('failed');
    expect(result.falseAlarm).toBe(true);
    expect(result.reasons[0]).toMatch(/^false alarm: SendErrorsHigh fired during the baseline/);
    expect(kinds(result.timeline)).not.toContain('fault-injecting');
  });

  it('an alert the source has no rule for (misspelt): a failed detection, "never seen by prometheus"', async () => {
    const h = harness();
    const misspelt = prometheus(h, {
      rules: [{ ...badDeploy().rule, name: 'SendErorsHigh' }],
      known: ['SendErorsHigh'],
    });
    const result = await run(h, badDeploy(), runbookRemedy, reading(misspelt));
    expect(result.status).toBe('failed');
    expect(result.reasons[0]).toMatch(
      /^not detected within 10\.0 s of the fault: SendErrorsHigh never seen by prometheus: it has no alerting rule of that name \(its rules: SendErorsHigh\)/,
    );
    // gameday's own evaluator did see it: the reason says so, and the report keeps both.
    expect(result.reasons[0]).toMatch(/gameday's own evaluator: fired after/);
    expect(result.detection).toMatchObject({ fired: false, source: 'prometheus' });
    expect(kinds(result.timeline)).toContain('source-unknown-alert');
    expectReverted(h);
  });

  it('an alert Alertmanager silences: a failed detection, "silenced", never a pass', async () => {
    const h = harness();
    const silencing = prometheus(h, { kind: 'alertmanager', silenced: ['SendErrorsHigh'] });
    const result = await run(h, badDeploy(), runbookRemedy, reading(silencing));
    expect(result.status).toBe('failed');
    expect(result.reasons[0]).toMatch(
      /SendErrorsHigh was silenced in alertmanager \(silence silence-1\): it fired, and paged no one/,
    );
    expect(result.detection.parity!.builtinTimeToDetectMs).not.toBeNull();
    expectReverted(h);
  });

  it('a source that stops answering: a failed detection that says so', async () => {
    const h = harness();
    const source = prometheus(h);
    h.onEvent = (event) => {
      if (event.kind === 'fault-injecting') source.unreachable = true;
    };
    const result = await run(h, badDeploy(), runbookRemedy, reading(source));
    expect(result.status).toBe('failed');
    expect(result.reasons[0]).toMatch(
      /prometheus at http:\/\/127\.0\.0\.1:9\/fake could not be read: connect ECONNREFUSED/,
    );
    expect(kinds(result.timeline)).toContain('source-unreachable');
    expectReverted(h);
  });

  const guardRule = {
    ...badDeploy().rule,
    name: 'CheckoutErrors',
    threshold: 0.1,
    forMs: 0,
  };

  it('a guard firing during the fault aborts the scenario, naming it, every fault reverted (builtin source)', async () => {
    const h = harness();
    const result = await run(h, badDeploy(), runbookRemedy, {
      pollMs: 125,
      scrapeAndEvaluationMs: 0,
      guards: [{ name: 'CheckoutErrors', rule: guardRule }],
    });
    expect(result.status).toBe('aborted');
    expect(result.reasons).toEqual([
      expect.stringMatching(
        /^interrupted: guard CheckoutErrors fired during the fault \(value 0\.2 > 0\.1\): the scenario was stopped and every fault reverted/,
      ),
    ]);
    expect(result.guards).toEqual(['CheckoutErrors']);
    // Stopped before any remedy: the fault's own undo put the release back.
    expect(kinds(result.timeline)).not.toContain('remedy-step');
    expect(kinds(result.timeline)).toContain('guard-fired');
    expect(result.faultsReverted).toBe(true);
    expectReverted(h);
  });

  it('a guard is read from the chosen source too, and never stops the baseline', async () => {
    const h = harness({ '1.4.2': 0.2, '1.5.0': 0.2 });
    const source = prometheus(h, { rules: [badDeploy().rule, guardRule] });
    // The guard fires from the start: only once the fault begins does it stop anything.
    const result = await run(
      h,
      badDeploy({ baselineMs: 60_000 }),
      runbookRemedy,
      reading(source, [{ name: 'CheckoutErrors' }]),
    );
    expect(result.status).toBe('aborted');
    expect(result.reasons[0]).toMatch(
      /^interrupted: guard CheckoutErrors fired during the fault \(prometheus shows it firing\)/,
    );
    expect(at(result.timeline, 'guard-fired')).toBeGreaterThanOrEqual(at(result.timeline, 'fault-injecting'));
    expectReverted(h);
  });

  it('a guard that names the scenario’s own alert is its detection, not a guard', async () => {
    const h = harness();
    const result = await run(h, badDeploy(), runbookRemedy, {
      pollMs: 125,
      scrapeAndEvaluationMs: 0,
      guards: [{ name: 'SendErrorsHigh', rule: badDeploy().rule }],
    });
    expect(result.status, result.reasons.join('; ')).toBe('passed');
    expect(result.guards).toBeUndefined();
  });
});

/**
 * A compound incident reduced to its logic: fault[0] breaks part A at once, fault[1] breaks part B
 * `laterMs` (runbook time) after the incident began; each part has its own alert and its own procedure
 * (a set-env putting it right). Faults and remedies are real kinds, on the fake stack's environment.
 */
function compound(
  options: { laterMs?: number; remedy?: 'both' | 'first'; alertBThreshold?: number } = {},
): ResolvedScenario {
  const { laterMs = 600_000, remedy = 'both', alertBThreshold = 0.01 } = options;
  const base = badDeploy();
  const ruleA = {
    ...base.rule,
    name: 'PartABroken',
    expr: { fn: 'value', metric: 'fake_a', agg: 'max' },
  } as const;
  const ruleB = {
    ...base.rule,
    name: 'PartBBroken',
    expr: { fn: 'value', metric: 'fake_b', agg: 'max' },
    threshold: alertBThreshold,
    forMs: 60_000,
    runbook: 4,
  } as const;
  const fix = (part: 'A' | 'B') => ({
    action: 'set-env',
    params: { env: { [`FAKE_${part}`]: 'fixed' } },
    description: `set FAKE_${part}=fixed`,
  });
  return {
    ...base,
    rule: ruleA,
    alerts: [
      { rule: ruleA, fault: 0, detectWithinMs: 600_000, resolveWithinMs: 1_200_000 },
      { rule: ruleB, fault: 1, detectWithinMs: 300_000, resolveWithinMs: laterMs + 60_000 + 900_000 },
    ],
    faults: [
      { kind: 'backend-env', params: { env: { FAKE_A: 'broken' } }, description: 'break part A', afterMs: 0 },
      {
        kind: 'backend-env',
        params: { env: { FAKE_B: 'broken' } },
        description: 'break part B',
        afterMs: laterMs,
      },
    ],
    remedy: remedy === 'both' ? [fix('A'), { ...fix('B'), onAlert: 'PartBBroken' }] : [fix('A')],
    resolveWithinMs: Math.max(1_200_000, laterMs + 60_000 + 900_000),
  };
}

function runCompound(h: Harness, resolved: ResolvedScenario, response: Response = runbookRemedy) {
  const share = (part: 'A' | 'B') => (h.stack.env[`FAKE_${part}`] === 'broken' ? 0.5 : 0);
  return runScenario(
    resolved,
    {
      stack: h.stack,
      clock: h.clock,
      ledger: h.ledger,
      signal: h.controller.signal,
      services: fakeServices(
        h.clock,
        h.load,
        () => [
          { name: 'fake_a', labels: {}, value: share('A') },
          { name: 'fake_b', labels: {}, value: share('B') },
        ],
        SCRAPE_MS,
      ),
      onEvent: (event) => {
        h.events.push(event);
        h.onEvent?.(event, h);
      },
    },
    response,
  );
}

const eventsOfKind = (events: JournalEvent[], kind: JournalKind) => events.filter((e) => e.kind === kind);

/** Both parts put back: the environment as found, nothing left in the ledger. */
function expectCompoundReverted(h: Harness) {
  expect(h.stack.env).toEqual({});
  expect(h.ledger.active()).toEqual([]);
  expect(h.load.stopped).toBe(true);
}

describe('a compound incident (fake clock, fake stack)', () => {
  it('injects the later fault at its offset during the response; each alert judged from its own fault; both procedures resolve it', async () => {
    const h = harness();
    const result = await runCompound(h, compound());
    expect(result.status, result.reasons.join('; ')).toBe('passed');
    const [first, later] = eventsOfKind(result.timeline, 'fault-injected');
    const laterStarted = eventsOfKind(result.timeline, 'fault-injecting')[1]!;
    // 10 min of runbook time after the incident began is 10 s at scale 60, then a 1 s rollout.
    expect(laterStarted.at - first!.at).toBe(10_000);
    expect(later!.at - laterStarted.at).toBe(ROLLOUT_MS);
    expect(later!.detail).toMatch(/^fault\[1\] \(10\.0 s after the incident began\): break part B/);
    // By then the first part was already being fixed: the later fault came during the response.
    const firstFix = result.timeline.find((e) => e.kind === 'remedy-step')!;
    expect(firstFix.at).toBeLessThan(laterStarted.at);
    // B's alert: 1 min sustained is 1 s, counted from its own fault in place, not the incident's start.
    const [otherDetection] = result.otherDetections!;
    expect(otherDetection).toMatchObject({ alert: 'PartBBroken', fired: true, fault: 1, runbook: 4 });
    expect(otherDetection!.timeToDetectMs).toBeGreaterThanOrEqual(1_000);
    expect(otherDetection!.timeToDetectMs).toBeLessThanOrEqual(1_000 + 2 * SCRAPE_MS);
    // The second procedure waited for its page.
    const secondFix = result.timeline.filter((e) => e.kind === 'remedy-step')[1]!;
    const bFired = result.timeline.find((e) => e.kind === 'alert-firing' && e.alert === 'PartBBroken')!;
    expect(secondFix.at).toBeGreaterThanOrEqual(bFired.at);
    // Resolved as a whole: after the second fix, not when the first part alone was right again.
    expect(injectedPlus(result, result.resolution.timeToResolveMs!)).toBeGreaterThan(secondFix.at);
    expect(result.faults?.map((f) => [f.description, f.afterMs, f.injected])).toEqual([
      ['break part A', 0, true],
      ['break part B', 600_000, true],
    ]);
    // Reverted newest first.
    expect(eventsOfKind(result.timeline, 'fault-reverted').map((e) => e.detail)).toEqual([
      'break part B',
      'break part A',
    ]);
    expectCompoundReverted(h);
  });

  it('a step answering a later page waits for that fault to be fully in place, even when its alert already fires', async () => {
    const h = harness();
    const resolved = compound();
    // B's page watches A's symptom: it fires long before fault[1], so only the fault's own rollout can hold the step.
    const ruleB = { ...resolved.alerts[1]!.rule, expr: resolved.rule.expr };
    const result = await runCompound(h, {
      ...resolved,
      alerts: [resolved.alerts[0]!, { ...resolved.alerts[1]!, rule: ruleB }],
      remedy: [resolved.remedy[1]!],
    });
    const laterIn = eventsOfKind(result.timeline, 'fault-injected')[1]!;
    const step = result.timeline.find((e) => e.kind === 'remedy-step')!;
    expect(step.at).toBeGreaterThanOrEqual(laterIn.at);
    // Already firing when its fault began: detected then, 0 after it was in place.
    expect(result.otherDetections![0]).toMatchObject({ fired: true, timeToDetectMs: 0 });
    expectCompoundReverted(h);
  });

  it('following only the first alert’s procedure leaves it "not resolved", naming the alert still firing', async () => {
    const h = harness();
    const result = await runCompound(h, compound({ remedy: 'first' }));
    expect(result.status).toBe('failed');
    expect(result.reasons[0]).toMatch(
      /^not resolved: PartABroken is inactive \(value 0\), PartBBroken is firing \(value 0\.5\)/,
    );
    expect(result.otherDetections![0]!.fired).toBe(true);
    expectCompoundReverted(h);
  });

  it('is not resolved while a fault is still to come, even once the first part is fixed (people at the desk)', async () => {
    const h = harness();
    const desk = new ResponderDesk(() => undefined);
    h.onEvent = (event) => {
      if (event.kind === 'alert-firing' && event.alert === 'PartABroken')
        void desk.ctl(['set', 'env', 'FAKE_A=fixed']);
    };
    const result = await runCompound(
      h,
      compound({ laterMs: 1_200_000 }),
      peopleAtTheDesk({ desk, timeBoxMs: 40_000, runbooks: [] }),
    );
    // Part A was right again long before part B broke, and still nothing was resolved: then B broke.
    expect(result.status).toBe('failed');
    expect(result.resolution.resolved).toBe(false);
    expect(result.reasons).toContainEqual(expect.stringMatching(/^time box/));
    expect(result.faults?.[1]?.injected).toBe(true);
    expect(result.otherDetections![0]!.fired).toBe(true);
    expectCompoundReverted(h);
  });

  it('a later fault not yet due when the scenario ends is never injected, and that is noted', async () => {
    const h = harness();
    const resolved = compound({ laterMs: 3_600_000 });
    const rule = { ...resolved.rule, threshold: 2 };
    const result = await runCompound(h, {
      ...resolved,
      rule,
      alerts: [{ ...resolved.alerts[0]!, rule }, resolved.alerts[1]!],
    });
    expect(result.status).toBe('failed');
    expect(result.reasons[0]).toMatch(/^not detected: PartABroken/);
    expect(eventsOfKind(result.timeline, 'fault-not-injected').map((e) => e.detail)).toEqual([
      'break part B: the scenario ended before its time came',
    ]);
    expect(result.faults?.[1]?.injected).toBe(false);
    // Its alert is not judged: its fault never came.
    expect(result.otherDetections![0]).toMatchObject({ fired: false, timeToDetectMs: null });
    expect(h.ledger.entries.map((e) => e.description)).toEqual(['break part A']);
    expectCompoundReverted(h);
  });

  it('a later alert that never fires fails the scenario "not detected", judged from its own fault', async () => {
    const h = harness();
    const result = await runCompound(h, compound({ alertBThreshold: 2 }));
    expect(result.status).toBe('failed');
    expect(result.reasons).toEqual([
      expect.stringMatching(/^not detected: PartBBroken did not fire within 5\.0 s of fault\[1\]/),
    ]);
    const notDetected = result.timeline.find((e) => e.kind === 'not-detected')!;
    const laterIn = eventsOfKind(result.timeline, 'fault-injected')[1]!;
    expect(notDetected.at - laterIn.at).toBeGreaterThanOrEqual(5_000);
    expect(notDetected.at - laterIn.at).toBeLessThanOrEqual(5_000 + 100);
    expectCompoundReverted(h);
  });

  it('a later fault whose injection fails ends the scenario as an error; every fault is reverted', async () => {
    const h = harness();
    let calls = 0;
    h.onEvent = (event, { stack }) => {
      if (event.kind === 'fault-injecting' && ++calls === 2)
        stack.overrides.setEnv = async () => {
          delete stack.overrides.setEnv;
          throw new Error('the rollout was refused');
        };
    };
    const result = await runCompound(h, compound());
    expect(result.status).toBe('error');
    expect(result.reasons).toEqual(['error: the rollout was refused']);
    expect(h.ledger.entries.map((e) => [e.description, e.state])).toEqual([
      ['break part A', 'reverted'],
      ['break part B', 'reverted'],
    ]);
    expectCompoundReverted(h);
  });

  it('a later fault whose injection hangs is abandoned at its deadline: an error, reverted, bounded', async () => {
    const h = harness();
    let calls = 0;
    h.onEvent = (event, { stack }) => {
      if (event.kind === 'fault-injecting' && ++calls === 2)
        stack.overrides.setEnv = () => {
          delete stack.overrides.setEnv;
          return new Promise(() => undefined);
        };
    };
    const result = await runCompound(h, compound());
    expect(result.status).toBe('error');
    expect(result.reasons).toEqual([
      expect.stringMatching(/injecting break part B: no answer within 3\.0 min; abandoned/),
    ]);
    // The revert waited for the hung injection at most its deadline again, then undid both.
    const hung = eventsOfKind(result.timeline, 'fault-injecting')[1]!.at;
    expect(eventsOfKind(result.timeline, 'fault-reverted').at(-1)!.at - hung).toBeLessThanOrEqual(
      2 * 180_000 + 3 * ROLLOUT_MS,
    );
    expectCompoundReverted(h);
  });

  it('an abort while a later fault waits for its time: it never comes, the first is reverted', async () => {
    const h = harness();
    h.onEvent = (event, { controller }) => {
      if (event.kind === 'alert-firing') controller.abort('drill called off');
    };
    const result = await runCompound(h, compound());
    expect(result.status).toBe('aborted');
    expect(result.reasons).toEqual(['interrupted: drill called off; faults were reverted']);
    expect(eventsOfKind(result.timeline, 'fault-not-injected')).toHaveLength(1);
    const aborted = result.timeline.find((e) => e.kind === 'aborted')!.at;
    expect(result.timeline.find((e) => e.kind === 'fault-reverted')!.at - aborted).toBeLessThanOrEqual(
      ROLLOUT_MS,
    );
    expectCompoundReverted(h);
  });
});

/** Epoch ms of a point given as ms after the fault was in place. */
function injectedPlus(result: Awaited<ReturnType<typeof runScenario>>, ms: number): number {
  return result.timeline.find((e) => e.kind === 'fault-injected')!.at + ms;
}
