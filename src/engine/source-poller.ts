import type { Clock } from '../core/clock.ts';
import { withinDeadline } from '../core/deadline.ts';
import type { ExternalAlertSource } from '../detection/alert-source.ts';
import type { IncidentWatch } from './incident-watch.ts';

/**
 * Reads the team's alerting system every `intervalMs` on the run's clock, each read bounded by a
 * deadline (a hung API is a failed read, noted, never a wait): what it shows goes to the watch, which
 * judges detection, parity and the guards on it.
 */
export class SourcePoller {
  private readonly stopping = new AbortController();
  private loop: Promise<void> | undefined;

  constructor(
    private readonly source: ExternalAlertSource,
    private readonly watch: IncidentWatch,
    private readonly clock: Clock,
    private readonly intervalMs: number,
    private readonly deadlineMs: number,
    /** The Prometheus behind an Alertmanager source, read in the same rounds (parity); optional. */
    private readonly prometheus?: ExternalAlertSource,
  ) {}

  start(): void {
    this.loop = this.run();
  }

  private async run(): Promise<void> {
    const detection = this.watch.source!;
    // A source that lists its rules says at once whether it can ever raise the alert (a misspelt rule).
    try {
      const known = await this.read(() => this.source.knownAlerts(this.deadlineMs), 'its rules');
      if (known && !known.has(detection.alert)) detection.unknown([...known].sort());
    } catch (error) {
      detection.failed(this.clock.now(), (error as Error).message);
    }
    while (!this.stopping.signal.aborted) {
      const at = this.clock.now();
      try {
        const [alerts, upstream] = await Promise.all([
          this.read(() => this.source.alerts(this.deadlineMs), 'its alerts'),
          this.prometheus
            ? this.read(() => this.prometheus!.alerts(this.deadlineMs), 'the alerts of its Prometheus').catch(
                () => undefined,
              )
            : undefined,
        ]);
        this.watch.observeSource(this.clock.now(), alerts, upstream);
      } catch (error) {
        if (this.stopping.signal.aborted) break;
        detection.failed(at, (error as Error).message);
      }
      await this.clock.sleep(this.intervalMs, this.stopping.signal).catch(() => undefined);
    }
  }

  private read<T>(work: () => Promise<T>, what: string): Promise<T> {
    return withinDeadline(work, {
      what: `reading ${what} from ${this.source.kind}`,
      ms: this.deadlineMs,
      clock: this.clock,
      signal: this.stopping.signal,
    });
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    await this.loop;
  }
}
