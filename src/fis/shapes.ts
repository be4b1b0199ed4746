/**
 * Experiment templates and experiments as FIS's API carries them (restJson1; every time is epoch
 * seconds as a JSON number). The endpoint stores these records as they go on the wire.
 */

export interface TargetSpec {
  resourceType: string;
  resourceArns?: string[];
  resourceTags?: Record<string, string>;
  filters?: { path: string; values: string[] }[];
  selectionMode: string;
  parameters?: Record<string, string>;
}

export interface ActionSpec {
  actionId: string;
  description?: string;
  parameters: Record<string, string>;
  /** Target key → the name of one of the template's targets. */
  targets?: Record<string, string>;
  startAfter?: string[];
}

export interface StopCondition {
  source: string;
  value?: string;
}

export interface TemplateBody {
  description: string;
  roleArn: string;
  targets: Record<string, TargetSpec>;
  actions: Record<string, ActionSpec>;
  stopConditions: StopCondition[];
  experimentOptions: { accountTargeting: string; emptyTargetResolutionMode: 'fail' | 'skip' };
  logConfiguration?: unknown;
}

export interface TemplateRecord extends TemplateBody {
  id: string;
  arn: string;
  creationTime: number;
  lastUpdateTime: number;
  tags: Record<string, string>;
}

export type ExperimentStatus =
  | 'pending'
  | 'initiating'
  | 'running'
  | 'completed'
  | 'stopping'
  | 'stopped'
  | 'failed';

export type ActionStatus =
  | 'pending'
  | 'initiating'
  | 'running'
  | 'completed'
  | 'cancelled'
  | 'stopping'
  | 'stopped'
  | 'failed'
  | 'skipped';

export interface ExperimentActionRecord extends ActionSpec {
  state: { status: ActionStatus; reason: string };
  startTime?: number;
  endTime?: number;
}

export interface ExperimentRecord {
  id: string;
  arn: string;
  experimentTemplateId: string;
  roleArn: string;
  state: { status: ExperimentStatus; reason: string };
  targets: Record<string, TargetSpec>;
  actions: Record<string, ExperimentActionRecord>;
  stopConditions: StopCondition[];
  creationTime: number;
  startTime?: number;
  endTime?: number;
  tags: Record<string, string>;
  experimentOptions: {
    accountTargeting: string;
    emptyTargetResolutionMode: 'fail' | 'skip';
    actionsMode: 'run-all' | 'skip-all';
  };
  logConfiguration?: unknown;
}

export const TERMINAL: ReadonlySet<ExperimentStatus> = new Set(['completed', 'stopped', 'failed']);

/** Now, as FIS writes times: epoch seconds with milliseconds. */
export const epochSeconds = (ms = Date.now()): number => ms / 1000;
