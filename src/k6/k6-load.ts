import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { StackUnavailableError } from '../core/errors.ts';
import { sleep } from '../core/wait.ts';
import type { ResolvedScenario } from '../engine/resolve-scenario.ts';
import { AckLedger, type LedgerCheck } from '../load/ack-ledger.ts';
import type { LoadSource, TrafficTotals } from '../load/load-source.ts';
import type { Stack } from '../stack/stack.ts';
import { exportK6Scripts } from './export-k6.ts';

const ACK_LINE = /gameday-ack ([0-9a-f-]{36})/g;

/** The k6 binary on PATH, or undefined. */
export async function findK6(): Promise<string | undefined> {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, 'k6');
    if (
      await fs.access(candidate, fs.constants.X_OK).then(
        () => true,
        () => false,
      )
    )
      return candidate;
  }
  return undefined;
}

/** `--load k6` needs k6 itself: said before anything starts. */
export async function requireK6(): Promise<string> {
  const k6 = await findK6();
  if (!k6)
    throw new StackUnavailableError(
      '--load k6: no `k6` on PATH; install it (https://grafana.com/docs/k6/latest/set-up/install-k6/) or drop --load k6 to use gameday’s own traffic',
    );
  return k6;
}

interface SummaryMetric {
  count?: number;
  passes?: number;
  fails?: number;
}

/**
 * The scenario's traffic from k6 (`gameday run --load k6`): its exported script (`gameday export k6`)
 * run against the stack's front for the whole scenario. Every message the script saw acknowledged is
 * logged by it and kept in gameday's ledger, so "no acknowledged message lost" is checked as with
 * gameday's own traffic; the totals come from k6's end-of-test summary.
 */
export class K6Load implements LoadSource {
  private readonly ledger = new AckLedger();
  private child: ChildProcess | undefined;
  private exited: Promise<unknown> | undefined;
  private dir: string | undefined;
  private stderrTail = '';
  private summary: Record<string, SummaryMetric> = {};

  constructor(
    private readonly resolved: ResolvedScenario,
    private readonly stack: Stack,
    private readonly options: { k6: string; timeScale: number },
  ) {}

  describe(): string {
    return `k6 running ${this.resolved.scenario.id}.ts against ${this.stack.endpoints.frontUrl}`;
  }

  async start(): Promise<void> {
    const [tsconfig, script] = exportK6Scripts({
      scenarios: [this.resolved],
      target: this.stack.endpoints.frontUrl,
      timeScale: this.options.timeScale,
      parallelism: 1,
      password: this.stack.secrets.userPassword,
    });
    this.dir = await fs.mkdtemp(path.join(os.tmpdir(), 'gameday-k6-'));
    await fs.writeFile(path.join(this.dir, tsconfig!.path), tsconfig!.content);
    await fs.writeFile(path.join(this.dir, script!.path), script!.content);
    const child = spawn(
      this.options.k6,
      ['run', '--quiet', '--summary-export', 'summary.json', '-e', 'GAMEDAY_ACK_LOG=1', script!.path],
      { cwd: this.dir, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    this.child = child;
    this.exited = once(child, 'exit');
    child.stderr?.setEncoding('utf8').on('data', (text: string) => {
      for (const [, messageId] of text.matchAll(ACK_LINE))
        this.ledger.record({
          messageId: messageId!,
          conversationId: '',
          userId: '',
          at: Date.now(),
          via: 'rest',
        });
      this.stderrTail = (this.stderrTail + text).slice(-4_000);
    });
    // k6 refuses a script or a target at once: that is a failed start, not traffic.
    await sleep(2_000);
    if (child.exitCode !== null)
      throw new Error(`k6 exited at once (${child.exitCode}): ${this.stderrTail.trim().slice(-1_000)}`);
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || !this.dir) return;
    if (child.exitCode === null) {
      child.kill('SIGINT');
      const stopped = await Promise.race([this.exited!.then(() => true), sleep(30_000).then(() => false)]);
      if (!stopped) child.kill('SIGKILL');
    }
    const text = await fs.readFile(path.join(this.dir, 'summary.json'), 'utf8').catch(() => undefined);
    if (text) this.summary = (JSON.parse(text) as { metrics?: Record<string, SummaryMetric> }).metrics ?? {};
    await fs.rm(this.dir, { recursive: true, force: true });
  }

  totals(): TrafficTotals {
    const metric = (name: string) => this.summary[name] ?? {};
    const requests = metric('http_reqs').count ?? 0;
    const serverErrors = metric('chat_server_errors').passes ?? 0;
    const forbidden = metric('chat_blocked').passes ?? 0;
    return {
      ok: Math.max(0, requests - serverErrors - forbidden),
      clientErrors: forbidden,
      serverErrors,
      networkErrors: 0,
      forbidden,
      socketMessagesReceived: 0,
      sendRetries: metric('chat_send_resends').count ?? 0,
    };
  }

  acknowledged(): string[] {
    return this.ledger.all().map((entry) => entry.messageId);
  }

  checkAcknowledged(): Promise<LedgerCheck> {
    return this.ledger.check(this.stack.database.adminUrl());
  }
}
