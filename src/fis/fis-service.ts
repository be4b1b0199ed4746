import { randomInt } from 'node:crypto';
import { ownEntry } from '../core/own-entry.ts';
import { FIS_ACTIONS, FIS_RESOURCE_TYPES } from './action-catalogue.ts';
import { conflict, FisError, notFound, quotaExceeded, validationError } from './errors.ts';
import type { FisExecutor } from './executor.ts';
import { ExperimentRun, REASONS } from './experiment-run.ts';
import { type PageQuery, paginate } from './pagination.ts';
import { isObject, type Json, Problems } from './problems.ts';
import { type ExperimentRecord, epochSeconds, TERMINAL, type TemplateRecord } from './shapes.ts';
import { templateProblems, toTemplateBody } from './validate-template.ts';

export interface FisServiceOptions {
  executor: FisExecutor;
  /** Runbook time over wall time (default 1): at 60, an action's PT5M lasts 5 s. */
  timeScale?: number;
  /** Used in ARNs (default us-east-1 and 123456789012). */
  region?: string;
  accountId?: string;
  /** FIS's quotas: active experiments (default 5) and experiment templates (default 500). */
  maxActiveExperiments?: number;
  maxTemplates?: number;
}

export type AlarmState = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';

interface Stored<T> {
  position: number;
  record: T;
}

/**
 * FIS's operations on in-memory templates and experiments, without HTTP (fis-api.ts serves them).
 * Every method returns FIS's response body or throws a FisError.
 */
export class FisService {
  private readonly templates = new Map<string, Stored<TemplateRecord>>();
  private readonly experiments = new Map<string, Stored<ExperimentRecord> & { run: ExperimentRun }>();
  /** clientToken → what the first request with it asked for and got (FIS's idempotency). */
  private readonly tokens = new Map<string, { fingerprint: string; id: string }>();
  private readonly actionTags = new Map<string, Record<string, string>>();
  private readonly alarms = new Map<string, AlarmState>();
  private position = 0;
  private readonly timeScale: number;

  constructor(private readonly options: FisServiceOptions) {
    this.timeScale = options.timeScale ?? 1;
    if (!(this.timeScale > 0)) throw new RangeError('time scale must be > 0');
  }

  createExperimentTemplate(body: unknown) {
    const input = this.requireObject(body);
    const replay = this.replay('template', input);
    if (replay) return { experimentTemplate: this.template(replay) };
    throwFirst(templateProblems(input));
    if (this.templates.size >= (this.options.maxTemplates ?? 500))
      throw quotaExceeded(
        `At most ${this.options.maxTemplates ?? 500} experiment templates can exist at once.`,
      );
    const id = newId('EXT', 14);
    const now = epochSeconds();
    const record: TemplateRecord = {
      id,
      arn: this.arn('experiment-template', id),
      ...toTemplateBody(input),
      creationTime: now,
      lastUpdateTime: now,
      tags: { ...((input.tags ?? {}) as Record<string, string>) },
    };
    this.templates.set(id, { position: this.position++, record });
    this.remember('template', input, id);
    return { experimentTemplate: record };
  }

  getExperimentTemplate(id: string) {
    return { experimentTemplate: this.template(id) };
  }

  /** FIS replaces each part given (actions, targets, stop conditions…) and keeps the rest. */
  updateExperimentTemplate(id: string, body: unknown) {
    const patch = this.requireObject(body);
    const current = this.template(id);
    const merged: Json = { ...structuredClone(current), tags: undefined };
    for (const key of ['description', 'roleArn', 'targets', 'actions', 'stopConditions', 'logConfiguration'])
      if (patch[key] !== undefined) merged[key] = patch[key];
    if (patch.experimentOptions !== undefined) {
      if (!isObject(patch.experimentOptions))
        throw validationError(
          'experimentOptions must be a structure (only emptyTargetResolutionMode can change).',
        );
      merged.experimentOptions = {
        ...current.experimentOptions,
        emptyTargetResolutionMode:
          patch.experimentOptions.emptyTargetResolutionMode ??
          current.experimentOptions.emptyTargetResolutionMode,
      };
    }
    throwFirst(templateProblems(merged));
    Object.assign(current, toTemplateBody(merged), { lastUpdateTime: epochSeconds() });
    return { experimentTemplate: current };
  }

  deleteExperimentTemplate(id: string) {
    const record = this.template(id);
    this.templates.delete(id);
    return { experimentTemplate: record };
  }

  listExperimentTemplates(query: PageQuery) {
    const { page, nextToken } = paginate([...this.templates.values()], query, (t) => t.position);
    return {
      experimentTemplates: page.map(({ record: t }) => ({
        id: t.id,
        arn: t.arn,
        description: t.description,
        creationTime: t.creationTime,
        lastUpdateTime: t.lastUpdateTime,
        tags: t.tags,
      })),
      ...(nextToken ? { nextToken } : {}),
    };
  }

  /** The experiment starts at once; its record answers "initiating", as FIS's does. */
  startExperiment(body: unknown) {
    const input = this.requireObject(body);
    const replay = this.replay('experiment', input);
    if (replay) return { experiment: this.experiment(replay).record };
    const p = new Problems();
    const templateId = input.experimentTemplateId;
    p.string('experimentTemplateId', templateId, { required: true, max: 64, noSpace: true });
    if (input.tags !== undefined) p.stringMap('tags', input.tags, 50);
    const mode = isObject(input.experimentOptions) ? input.experimentOptions.actionsMode : undefined;
    if (input.experimentOptions !== undefined && !isObject(input.experimentOptions))
      p.constraint('experimentOptions', input.experimentOptions, 'Member must be a structure');
    if (mode !== undefined && mode !== 'run-all' && mode !== 'skip-all')
      p.constraint(
        'experimentOptions.actionsMode',
        mode,
        'Member must satisfy enum value set: [skip-all, run-all]',
      );
    throwFirst(p.list);
    const template = this.template(templateId as string);
    const active = [...this.experiments.values()].filter((e) => !TERMINAL.has(e.record.state.status)).length;
    if (active >= (this.options.maxActiveExperiments ?? 5))
      throw quotaExceeded(
        `At most ${this.options.maxActiveExperiments ?? 5} experiments can be active at once.`,
      );
    const id = newId('EXP', 16);
    const record: ExperimentRecord = {
      id,
      arn: this.arn('experiment', id),
      experimentTemplateId: template.id,
      roleArn: template.roleArn,
      state: { status: 'pending', reason: 'Experiment is pending.' },
      targets: structuredClone(template.targets),
      actions: Object.fromEntries(
        Object.entries(structuredClone(template.actions)).map(([name, action]) => [
          name,
          { ...action, state: { status: 'pending', reason: 'Initial state' } },
        ]),
      ),
      stopConditions: structuredClone(template.stopConditions),
      creationTime: epochSeconds(),
      tags: { ...((input.tags ?? {}) as Record<string, string>) },
      experimentOptions: {
        ...template.experimentOptions,
        actionsMode: (mode as 'run-all' | 'skip-all') ?? 'run-all',
      },
      ...(template.logConfiguration === undefined
        ? {}
        : { logConfiguration: structuredClone(template.logConfiguration) }),
    };
    const run = new ExperimentRun(record, {
      executor: this.options.executor,
      timeScale: this.timeScale,
      inAlarm: (arn) => this.alarms.get(arn) === 'ALARM',
    });
    this.experiments.set(id, { position: this.position++, record, run });
    this.remember('experiment', input, id);
    return { experiment: record };
  }

  getExperiment(id: string) {
    return { experiment: this.experiment(id).record };
  }

  /** A finished experiment is answered as it is (FIS documents no error for it). */
  stopExperiment(id: string) {
    const { run, record } = this.experiment(id);
    run.stop();
    return { experiment: record };
  }

  listExperiments(query: PageQuery & { experimentTemplateId?: string | null }) {
    const all = [...this.experiments.values()].filter(
      (e) =>
        query.experimentTemplateId == null || e.record.experimentTemplateId === query.experimentTemplateId,
    );
    const { page, nextToken } = paginate(all, query, (e) => e.position);
    return {
      experiments: page.map(({ record: e }) => ({
        id: e.id,
        arn: e.arn,
        experimentTemplateId: e.experimentTemplateId,
        state: e.state,
        creationTime: e.creationTime,
        tags: e.tags,
        experimentOptions: e.experimentOptions,
      })),
      ...(nextToken ? { nextToken } : {}),
    };
  }

  listExperimentResolvedTargets(id: string, query: PageQuery & { targetName?: string | null }) {
    const resolved = this.experiment(id)
      .run.resolvedTargets()
      .filter((t) => query.targetName == null || t.targetName === query.targetName)
      .flatMap(({ targetName, resourceType, resources }) =>
        resources.map((identifier) => ({ resourceType, targetName, targetInformation: { identifier } })),
      );
    const { page, nextToken } = paginate(resolved, query, (t) => resolved.indexOf(t));
    return { resolvedTargets: page, ...(nextToken ? { nextToken } : {}) };
  }

  listActions(query: PageQuery) {
    const ids = Object.keys(FIS_ACTIONS);
    const { page, nextToken } = paginate(ids, query, (id) => ids.indexOf(id));
    return {
      actions: page.map((id) => {
        const { parameters: _, ...summary } = this.action(id);
        return summary;
      }),
      ...(nextToken ? { nextToken } : {}),
    };
  }

  getAction(id: string) {
    return { action: this.action(id) };
  }

  listTargetResourceTypes(query: PageQuery) {
    const types = Object.keys(FIS_RESOURCE_TYPES);
    const { page, nextToken } = paginate(types, query, (t) => types.indexOf(t));
    return {
      targetResourceTypes: page.map((resourceType) => ({
        resourceType,
        description: FIS_RESOURCE_TYPES[resourceType]!.description,
      })),
      ...(nextToken ? { nextToken } : {}),
    };
  }

  getTargetResourceType(resourceType: string) {
    const type = ownEntry(FIS_RESOURCE_TYPES, resourceType);
    if (!type) throw notFound(`Target resource type ${resourceType} not found.`);
    return { targetResourceType: { resourceType, ...structuredClone(type) } };
  }

  listTagsForResource(arn: string) {
    return { tags: { ...this.tagsOf(arn) } };
  }

  tagResource(arn: string, body: unknown) {
    const input = this.requireObject(body);
    const p = new Problems();
    p.stringMap('tags', input.tags, 50);
    throwFirst(p.list);
    const tags = this.tagsOf(arn);
    Object.assign(tags, input.tags);
    if (Object.keys(tags).length > 50) throw validationError('A resource can have at most 50 tags.');
    return {};
  }

  untagResource(arn: string, tagKeys: string[]) {
    const tags = this.tagsOf(arn);
    for (const key of tagKeys) delete tags[key];
    return {};
  }

  /**
   * A CloudWatch alarm's state as the harness sees it: ALARM stops every active experiment that has
   * it as a stop condition ("Experiment halted by stop condition."), and one started while it is in
   * ALARM stops before any action runs.
   */
  alarmState(alarmArn: string, state: AlarmState): void {
    this.alarms.set(alarmArn, state);
    if (state !== 'ALARM') return;
    for (const { record, run } of this.experiments.values())
      if (record.stopConditions.some((c) => c.value === alarmArn)) run.stop(REASONS.haltedByStopCondition);
  }

  /** Stops every active experiment and waits until each has undone its actions. */
  async stopAll(reason: string = REASONS.stoppedByUser): Promise<void> {
    for (const { run } of this.experiments.values()) run.stop(reason);
    await Promise.all([...this.experiments.values()].map((e) => e.run.done));
  }

  private template(id: string): TemplateRecord {
    const stored = this.templates.get(id);
    if (!stored) throw notFound(`Experiment template ${id} not found.`);
    return stored.record;
  }

  private experiment(id: string) {
    const stored = this.experiments.get(id);
    if (!stored) throw notFound(`Experiment ${id} not found.`);
    return stored;
  }

  private action(id: string) {
    const type = ownEntry(FIS_ACTIONS, id);
    if (!type) throw notFound(`Action ${id} not found.`);
    return {
      id,
      arn: this.arn('action', id),
      description: type.description,
      parameters: structuredClone(type.parameters),
      targets: Object.fromEntries(
        Object.entries(type.targets).map(([key, resourceType]) => [key, { resourceType }]),
      ),
      tags: { ...this.actionTags.get(id) },
    };
  }

  private tagsOf(arn: string): Record<string, string> {
    const match = /^arn:aws[\w-]*:fis:[^:]*:[^:]*:(experiment-template|experiment|action)\/(.+)$/.exec(arn);
    if (!match)
      throw validationError(`${arn} is not the ARN of a FIS experiment template, experiment or action.`);
    const [, kind, id] = match as unknown as [string, string, string];
    if (kind === 'experiment-template') return this.template(id).tags;
    if (kind === 'experiment') return this.experiment(id).record.tags;
    this.action(id);
    if (!this.actionTags.has(id)) this.actionTags.set(id, {});
    return this.actionTags.get(id)!;
  }

  private arn(kind: string, id: string): string {
    return `arn:aws:fis:${this.options.region ?? 'us-east-1'}:${this.options.accountId ?? '123456789012'}:${kind}/${id}`;
  }

  private requireObject(body: unknown): Json {
    if (body === undefined) return {};
    if (!isObject(body)) throw validationError('The request body must be a JSON object.');
    return body;
  }

  /** The id a request with this clientToken made before; ConflictException when it asked otherwise. */
  private replay(operation: string, input: Json): string | undefined {
    const p = new Problems();
    p.string('clientToken', input.clientToken, { required: true, max: 1024, noSpace: true });
    throwFirst(p.list);
    const previous = this.tokens.get(`${operation}:${input.clientToken}`);
    if (previous && previous.fingerprint !== fingerprint(input))
      throw conflict(`The client token ${input.clientToken} was already used with different parameters.`);
    // A template deleted since is not brought back: the token starts afresh.
    if (previous && operation === 'template' && !this.templates.has(previous.id)) return undefined;
    return previous?.id;
  }

  private remember(operation: string, input: Json, id: string): void {
    this.tokens.set(`${operation}:${input.clientToken}`, { fingerprint: fingerprint(input), id });
  }
}

const fingerprint = (input: Json): string => JSON.stringify({ ...input, clientToken: undefined });

function throwFirst(problems: { type: FisError['type']; message: string }[]): void {
  const first = problems.find((p) => p.type === 'ValidationException') ?? problems[0];
  if (first) throw new FisError(first.type, first.message);
}

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const newId = (prefix: string, length: number) =>
  prefix + Array.from({ length }, () => ALPHABET[randomInt(ALPHABET.length)]).join('');
