import { redactSecrets } from '../core/redact.ts';
import type { Stack } from '../stack/stack.ts';
import type { BlindRound } from './blind-round.ts';
import { type CheckpointId, type CheckpointSource, checkpointTitle } from './checkpoints.ts';
import { type CtlOutcome, runCtl } from './ctl-verbs.ts';
import { type DiagnosisVerdict, type IncidentFacts, judgeDiagnosis } from './diagnosis.ts';

/** A checkpoint as recorded: ms since the scenario started. */
export interface RecordedCheckpoint {
  id: CheckpointId;
  title: string;
  atMs: number;
  source: CheckpointSource;
}

/** A root cause a responder stated (`gameday mark root-cause "…"`), judged against what was injected. */
export interface RecordedDiagnosis {
  text: string;
  atMs: number;
  verdict: DiagnosisVerdict;
  detail: string;
  /** The causes it names (src/responders/causes.ts). */
  named: string[];
}

/** A `gameday ctl` command a responder ran during a scenario (secrets in it masked). */
export interface ResponderAction {
  command: string;
  action: string;
  changes: boolean;
  atMs: number;
  ok: boolean;
  error?: string;
}

/** The entries the desk adds to the scenario's timeline; each returns its epoch ms. */
export interface DeskNote {
  (kind: 'checkpoint', detail: string, fields: { checkpoint: string; source: string }): number;
  (kind: 'responder-action', detail: string, fields: { action: string; changes: boolean }): number;
  (kind: 'diagnosis', detail: string, fields: { verdict: string }): number;
  (kind: 'facilitator-abort' | 'responder-action-failed' | 'revealed', detail: string): number;
}

/** The scenario responders are working on, as the desk needs it. */
export interface DeskScenario {
  id: string;
  title: string;
  stack: Stack;
  note: DeskNote;
  startedAt: number;
  /** The run's clock. */
  now: () => number;
  /** What was injected, to judge a stated root cause by. */
  incident?: IncidentFacts;
  /** A blind round: the scenario is not named to the desk until it ends or is revealed. */
  blind?: BlindRound;
}

/** One scenario's turn at the desk: what was recorded, and the commands still running. */
interface Turn {
  scenario: DeskScenario;
  checkpoints: RecordedCheckpoint[];
  actions: ResponderAction[];
  diagnoses: RecordedDiagnosis[];
  running: Set<Promise<unknown>>;
}

/** What a scenario's turn at the desk recorded. */
export interface DeskRecord {
  checkpoints: RecordedCheckpoint[];
  actions: ResponderAction[];
  diagnoses: RecordedDiagnosis[];
}

/**
 * How long closing waits for a responder's command still running (a rollout) before the revert; after
 * an abort, less: the revert must come within a bounded time.
 */
const CLOSE_WAIT_MS = 120_000;
const CLOSE_WAIT_AFTER_ABORT_MS = 15_000;

/**
 * Where game-day responders reach the running scenario: checkpoints (a key, `gameday mark`), kubectl-like
 * commands (`gameday ctl`) and the facilitator's abort. Everything is recorded on the scenario's
 * timeline as it happens, so the post-mortem is written from what really happened.
 */
export class ResponderDesk {
  private turn: Turn | undefined;
  private waitingForNext: (() => void) | undefined;

  constructor(private readonly onAbort: (reason: string) => void) {}

  open(scenario: DeskScenario): void {
    this.turn = { scenario, checkpoints: [], actions: [], diagnoses: [], running: new Set() };
  }

  /**
   * Between the rounds of a plan: resolves when the facilitator starts the next one (`gameday next`, or
   * Enter in the harness's terminal), or at once when `signal` aborts.
   */
  nextRound(signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        this.waitingForNext = undefined;
        signal.removeEventListener('abort', done);
        resolve();
      };
      if (signal.aborted) return resolve();
      this.waitingForNext = done;
      signal.addEventListener('abort', done, { once: true });
    });
  }

  /** Starts the next round of a plan; false when the game day is not waiting between rounds. */
  next(): boolean {
    if (!this.waitingForNext) return false;
    this.waitingForNext();
    return true;
  }

  /**
   * Ends the scenario's turn: new commands are refused at once, and the ones still running are awaited
   * (up to two minutes), so none of them races the revert. Hands back what was recorded.
   */
  async close({ aborted = false }: { aborted?: boolean } = {}): Promise<DeskRecord> {
    const turn = this.turn;
    this.turn = undefined;
    if (!turn) return { checkpoints: [], actions: [], diagnoses: [] };
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled([...turn.running]),
      new Promise((resolve) => {
        timer = setTimeout(resolve, aborted ? CLOSE_WAIT_AFTER_ABORT_MS : CLOSE_WAIT_MS);
      }),
    ]);
    clearTimeout(timer);
    return { checkpoints: turn.checkpoints, actions: turn.actions, diagnoses: turn.diagnoses };
  }

  /**
   * A fix has been tried since `sinceMs` (ms since the scenario started; the fault's injection): a
   * command that changed the deployment, or "fix deployed" or "service restored" marked. What was done
   * before the fault was in place fixes nothing.
   */
  fixAttemptedSince(sinceMs: number): boolean {
    const turn = this.turn;
    if (!turn) return false;
    return (
      turn.actions.some((a) => a.changes && a.ok && a.atMs >= sinceMs) ||
      turn.checkpoints.some(
        (c) => (c.id === 'fix-deployed' || c.id === 'service-restored') && c.atMs >= sinceMs,
      )
    );
  }

  has(id: CheckpointId): boolean {
    return this.turn?.checkpoints.some((checkpoint) => checkpoint.id === id) ?? false;
  }

  recorded(): RecordedCheckpoint[] {
    return [...(this.turn?.checkpoints ?? [])];
  }

  /**
   * Records a checkpoint once (marking it again changes nothing); returns what to tell the responder.
   * A root cause with words (`gameday mark root-cause "…"`) is also a diagnosis, judged against what
   * was injected; each one given is kept (a first wrong guess, then the right one). The verdict is not
   * told to the responder: in a blind round it would give the answer away.
   */
  mark(id: CheckpointId, source: CheckpointSource, text?: string): string {
    const { scenario, checkpoints, diagnoses } = this.current();
    const name = scenario.blind && !scenario.blind.revealed ? scenario.blind.label : scenario.id;
    const since = (atMs: number) => `+${(atMs / 1000).toFixed(1)} s`;
    const said = text?.trim() ? redactSecrets(text.trim()).slice(0, 2_000) : undefined;
    if (said && id === 'root-cause') {
      const judged = scenario.incident
        ? judgeDiagnosis(said, scenario.incident)
        : { verdict: 'vague' as const, detail: 'nothing to judge it by', named: [] };
      const at = scenario.note('diagnosis', said, { verdict: judged.verdict });
      diagnoses.push({ text: said, atMs: at - scenario.startedAt, ...judged });
    }
    const earlier = checkpoints.find((checkpoint) => checkpoint.id === id);
    if (earlier)
      return said && id === 'root-cause'
        ? `diagnosis recorded for ${name} (root cause first marked at ${since(earlier.atMs)})`
        : `${checkpointTitle(id)} was already marked at ${since(earlier.atMs)}`;
    const at = scenario.note('checkpoint', `${checkpointTitle(id)} (${source})`, { checkpoint: id, source });
    checkpoints.push({ id, title: checkpointTitle(id), atMs: at - scenario.startedAt, source });
    return `${checkpointTitle(id)} marked for ${name} at ${since(at - scenario.startedAt)}${said && id === 'root-cause' ? ', diagnosis recorded' : ''}`;
  }

  /**
   * The facilitator reveals a blind round early: from now on the scenario is named everywhere. Returns
   * the answer; throws when the round is not blind.
   */
  reveal(): readonly string[] {
    const { scenario } = this.current();
    if (!scenario.blind) throw new NotBlindError();
    const first = !scenario.blind.revealed;
    const answer = scenario.blind.reveal(scenario.now());
    if (first) scenario.note('revealed', `the facilitator revealed the scenario: ${scenario.id}`);
    return answer;
  }

  /** Runs a `gameday ctl` command on the scenario's stack, recorded on that scenario even if it ends meanwhile. */
  async ctl(args: string[]): Promise<CtlOutcome> {
    const turn = this.current();
    const call = this.runRecorded(turn, args);
    turn.running.add(call);
    void call.finally(() => turn.running.delete(call)).catch(() => undefined);
    return call;
  }

  abort(reason: string): void {
    this.turn?.scenario.note('facilitator-abort', reason);
    this.onAbort(reason);
  }

  private async runRecorded(turn: Turn, args: string[]): Promise<CtlOutcome> {
    const { scenario, actions } = turn;
    // A `set env DATABASE_URL=…` carries a password: masked before it is recorded or shown.
    const command = redactSecrets(args.join(' '));
    const atMs = scenario.now() - scenario.startedAt;
    try {
      const outcome = await runCtl(args, scenario.stack);
      actions.push({ command, action: outcome.action, changes: outcome.changes, atMs, ok: true });
      scenario.note('responder-action', `gameday ctl ${command}`, {
        action: outcome.action,
        changes: outcome.changes,
      });
      return outcome;
    } catch (error) {
      if ((error as Error).name !== 'CtlUsageError') {
        const message = redactSecrets((error as Error).message);
        actions.push({ command, action: 'unknown', changes: false, atMs, ok: false, error: message });
        scenario.note('responder-action-failed', `gameday ctl ${command}: ${message}`);
      }
      throw error;
    }
  }

  private current(): Turn {
    if (!this.turn) throw new NoScenarioError();
    return this.turn;
  }
}

export class NotBlindError extends Error {
  constructor() {
    super('nothing to reveal: this round is not blind (its scenario is named already)');
    this.name = 'NotBlindError';
  }
}

export class NoScenarioError extends Error {
  constructor() {
    super(
      'no scenario is running right now (between scenarios, or the game day is ending); try again shortly',
    );
    this.name = 'NoScenarioError';
  }
}
