import { redactSecrets } from '../core/redact.ts';
import { CHECKPOINTS } from '../responders/checkpoints.ts';
import { describeStatus, type LiveStatus, progressLine } from '../responders/live-status.ts';

const KEYS_LINE = `keys: ${CHECKPOINTS.map((c) => `[${c.key}] ${c.title}`).join('  ')}  [q] abort · other terminals: gameday ctl …, gameday mark …, gameday status`;

/** In game-day mode without a terminal, how often the state is printed as a line. */
const PLAIN_STATUS_EVERY_MS = 30_000;

/**
 * Progress on stderr. In a terminal, a status block stays at the bottom and is redrawn in place (the
 * game-day view for people responding, a single progress line otherwise) while events scroll above
 * it. Elsewhere (CI, a pipe) only plain lines: each event, each phase as it starts, and in game-day
 * mode the state every 30 s.
 */
export class LiveView {
  private status: LiveStatus | undefined;
  private drawnLines = 0;
  private lastDraw = 0;
  private lastPlain = 0;
  private lastPhase = '';

  constructor(
    private readonly out: NodeJS.WriteStream,
    private readonly mode: 'auto' | 'gameday',
    private readonly interactive = Boolean(out.isTTY) && !process.env.CI,
  ) {}

  line(raw: string): void {
    // A responder's `set env DATABASE_URL=…` is on the timeline: no password reaches the screen or a CI log.
    const text = redactSecrets(raw);
    if (!this.interactive) {
      this.out.write(`${text}\n`);
      return;
    }
    this.clear();
    this.out.write(`${text}\n`);
    this.draw();
  }

  update(status: LiveStatus): void {
    this.status = status;
    const now = Date.now();
    if (this.interactive) {
      if (now - this.lastDraw >= 250) {
        this.clear();
        this.draw();
      }
      return;
    }
    const phase = `${status.scenario.id}/${status.phase}`;
    const due =
      this.mode === 'gameday' &&
      status.faultActiveMs !== undefined &&
      now - this.lastPlain >= PLAIN_STATUS_EVERY_MS;
    if (phase !== this.lastPhase || due) {
      this.lastPhase = phase;
      this.lastPlain = now;
      this.out.write(
        `${this.mode === 'gameday' ? describeStatus(status).join(' | ') : progressLine(status)}\n`,
      );
    }
  }

  /** Leaves the terminal as it was: the block is wiped. */
  stop(): void {
    if (this.interactive) this.clear();
    this.status = undefined;
  }

  private lines(): string[] {
    if (!this.status) return [];
    const lines =
      this.mode === 'gameday' ? [...describeStatus(this.status), KEYS_LINE] : [progressLine(this.status)];
    const width = Math.max(20, (this.out.columns || 120) - 1);
    return lines.map((line) => (line.length > width ? `${line.slice(0, width - 1)}…` : line));
  }

  private draw(): void {
    const lines = this.lines();
    if (lines.length > 0) this.out.write(`${lines.join('\n')}\n`);
    this.drawnLines = lines.length;
    this.lastDraw = Date.now();
  }

  private clear(): void {
    // Up to the block's first line, then erase to the end of the screen.
    if (this.drawnLines > 0) this.out.write(`\x1b[${this.drawnLines}F\x1b[0J`);
    this.drawnLines = 0;
  }
}
