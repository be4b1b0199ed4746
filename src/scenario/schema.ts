import { z } from 'zod';
import { toMs } from '../core/duration.ts';

const duration = z.union([z.string(), z.number()]).refine((value) => toMs(value) !== undefined, {
  message: 'expected a duration like "500ms", "5s" or "2m"',
});

const matcher = z.union([
  z.string(),
  z.object({ re: z.string() }).strict(),
  z.object({ not: z.string() }).strict(),
]);
const matchers = z.record(z.string(), matcher);

/** An alert or recovery expression as scenario files write it; windows are runbook time. */
const expr = z.discriminatedUnion('fn', [
  z
    .object({
      fn: z.literal('value'),
      metric: z.string(),
      match: matchers.optional(),
      agg: z.enum(['sum', 'max', 'min']).optional(),
    })
    .strict(),
  z
    .object({ fn: z.literal('rate'), metric: z.string(), match: matchers.optional(), window: duration })
    .strict(),
  z
    .object({
      fn: z.literal('ratio'),
      metric: z.string(),
      numerator: matchers,
      denominator: matchers,
      window: duration,
    })
    .strict(),
  z
    .object({
      fn: z.literal('max-increase-by'),
      metric: z.string(),
      by: z.string(),
      match: matchers.optional(),
      window: duration,
    })
    .strict(),
]);

const comparator = z.enum(['>', '>=', '<', '<=']);

/** An alert as scenario files (and tests, through gameday/testing) write it. */
export const alertSchema = z
  .object({
    name: z.string().regex(/^[A-Za-z][A-Za-z0-9_]*$/, 'expected an alert name like ErrorRateHigh'),
    expr,
    /** What the expression measures, so the runbook's "1%" or "500ms" converts to it. */
    unit: z.enum(['ratio', 'seconds', 'count', 'state']),
    /** Overrides the runbook's threshold (reported as such). */
    threshold: z.number().optional(),
    comparator: comparator.optional(),
    /** Overrides the runbook's "sustained" duration. */
    for: duration.optional(),
  })
  .strict();

/**
 * An alert as scenario files write it; its threshold and duration default to its runbook's Alert
 * Trigger. A compound incident's alerts may each name their runbook and the fault they follow.
 */
const scenarioAlertSchema = alertSchema
  .extend({
    /**
     * The runbook this alert belongs to, whose Alert Trigger gives its threshold, duration and severity
     * and whose procedure answers it (default: the scenario's own).
     */
    runbook: z
      .object({ number: z.number().int().positive(), procedure: z.string().optional() })
      .strict()
      .optional(),
    /**
     * Compound incidents: the fault this alert is expected to detect, by its index in `fault` (default
     * 0): its time to detect counts from when that fault is in place.
     */
    fault: z.number().int().min(0).optional(),
  })
  .strict();

/** A recovery check: the expression must meet the bound. */
export const recoveryCheckSchema = z
  .object({ name: z.string(), expr, comparator, threshold: z.number() })
  .strict();

export const scenarioSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'expected lower-case words joined by dashes'),
    title: z.string().min(1),
    /** The runbook this incident is about, and the procedure within it that the remedy follows. */
    runbook: z.object({ number: z.number().int().positive(), procedure: z.string().optional() }).strict(),
    description: z.string().optional(),
    /** How the stack is set up for this scenario (a fresh stack is started when it differs). */
    stack: z
      .object({
        replicas: z.number().int().min(1).optional(),
        release: z.string().optional(),
        /** The scenario changes the stack for good (a failover): a fresh stack is started after it. */
        disposable: z.boolean().optional(),
        /** Seed size: "gameday" (a million messages, the default) or "tiny" (for quick drills). */
        seed: z.enum(['gameday', 'tiny']).optional(),
        env: z.record(z.string(), z.string()).optional(),
        /** Each backend replica's memory limit in MB (a pod's `resources.limits.memory`). */
        backendMemoryMb: z.number().int().min(64).optional(),
        /**
         * PostgreSQL's max_connections on a stack started for the scenario (embedded, containers;
         * default 200). A stack that outlives scenarios (external, testcontainers, a testing-library
         * stack) keeps its own, as it keeps its own data.
         */
        maxConnections: z.number().int().min(20).max(10_000).optional(),
      })
      .strict()
      .optional(),
    traffic: z
      .object({
        users: z.number().int().min(1).optional(),
        sockets: z.number().int().min(0).optional(),
        thinkTime: duration.optional(),
        /** Weights of the actions (send, read-conversation, read-own-messages, list-conversations, upload). */
        mix: z
          .object({
            send: z.number().min(0),
            'read-conversation': z.number().min(0),
            'read-own-messages': z.number().min(0),
            'list-conversations': z.number().min(0),
            upload: z.number().min(0),
          })
          .partial()
          .strict()
          .optional(),
        /** The client's send policy: after `timeout` (real time) send again with the same message_id. */
        sendRetry: z
          .object({ timeout: duration, attempts: z.number().int().min(1).max(5) })
          .strict()
          .optional(),
      })
      .strict()
      .optional(),
    /** Runbook time of steady traffic before the fault (the alert must stay quiet). */
    baseline: duration.optional(),
    /**
     * The fault (or several, injected in order): `kind` names a fault kind; the other fields are its
     * parameters. In a list, a later fault may come `after` a while (runbook time since the incident
     * began, the first faults in place), injected while the response is already under way.
     */
    fault: z.union([
      z.object({ kind: z.string() }).passthrough(),
      z.array(z.object({ kind: z.string() }).passthrough()).min(1),
    ]),
    /** The alert (or several, for a compound incident: the first is the page, the others follow). */
    alert: z.union([scenarioAlertSchema, z.array(scenarioAlertSchema).min(1)]),
    /**
     * Guard alerts (stop conditions): alerts outside this scenario's blast radius. One firing while the
     * fault is in place aborts the scenario at once, every fault reverted (`gameday run --guard` adds more).
     */
    guards: z
      .array(z.string().regex(/^[A-Za-z][A-Za-z0-9_]*$/, 'expected an alert name like ErrorRateHigh'))
      .default([]),
    /** How long after injection the alert may take to fire (runbook time; default: its duration + its window (at least 1m) + 2m). */
    detect: z.object({ within: duration }).strict().optional(),
    remedy: z
      .array(
        z
          .object({
            action: z.string(),
            runbookStep: z.string().optional(),
            /** Compound incidents: the step waits for this alert to fire (the page its procedure answers). */
            onAlert: z.string().optional(),
          })
          .passthrough(),
      )
      .min(1, 'expected at least one remedy step'),
    /** What "recovered" means besides the alert resolving: each check must hold. */
    recovered: z
      .object({
        checks: z.array(recoveryCheckSchema).default([]),
        /** How long the checks must keep holding (runbook time). */
        hold: duration.optional(),
        /**
         * false when the alert's condition stays true after a correct remedy (a legitimate spike keeps
         * connections above the threshold): recovery is then judged by the checks alone.
         */
        alertResolves: z.boolean().default(true),
      })
      .strict()
      .default({ checks: [], alertResolves: true }),
    /**
     * After the faults are reverted: put back what the remedy changed on purpose (re-enable a flag that
     * was turned off, unblock addresses), so nothing is left behind for the next scenario.
     */
    restore: z.array(z.object({ action: z.string() }).passthrough()).default([]),
    /**
     * The runbook's measurable claims this scenario touches, measured on the stack. `per-unit`: how
     * much `numerator` grew per unit `denominator` grew between the fault's start and its peak (memory
     * per connection). `time-until`: runbook time from the remedy's end until `expr` meets the bound.
     * `about` holds within a factor of two; `at-most` holds when the measurement is no larger.
     */
    claims: z
      .array(
        z.discriminatedUnion('kind', [
          z
            .object({
              kind: z.literal('per-unit'),
              claim: z.string(),
              claimed: z.number().positive(),
              unit: z.string(),
              holds: z.enum(['about', 'at-most']).default('about'),
              numerator: expr,
              denominator: expr,
            })
            .strict(),
          z
            .object({
              kind: z.literal('time-until'),
              claim: z.string(),
              claimed: duration,
              holds: z.enum(['about', 'at-most']).default('at-most'),
              expr,
              comparator,
              threshold: z.number(),
            })
            .strict(),
        ]),
      )
      .default([]),
    invariants: z
      .array(z.enum(['no-acknowledged-message-lost', 'legitimate-traffic-ok']))
      .default(['no-acknowledged-message-lost']),
  })
  .strict();

export type ScenarioInput = z.input<typeof scenarioSchema>;
/** One alert as a scenario file writes it (a compound incident's may name its runbook and fault). */
export type AlertInput = z.input<typeof scenarioAlertSchema>;
/** One alert with no runbook or fault of its own, as gameday/testing waits for it. */
export type PlainAlertInput = z.input<typeof alertSchema>;
export type Scenario = z.output<typeof scenarioSchema> & { file: string };
