import type { LedgerCheck } from './ack-ledger.ts';

/** What the synthetic users saw over a scenario. */
export interface TrafficTotals {
  ok: number;
  clientErrors: number;
  serverErrors: number;
  networkErrors: number;
  /** 403 answers refusing these (legitimate) users outright: a block list or a limit. */
  forbidden: number;
  socketMessagesReceived: number;
  /** Sends the client repeated after a timeout, with the same message_id. */
  sendRetries: number;
}

/**
 * The scenario's steady traffic, whoever generates it (this process, a worker, k6), and the ledger of
 * every message the backend acknowledged, checked against the database at the end.
 */
export interface LoadSource {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** "12 users, 8 sockets through http://…". */
  describe(): string;
  totals(): TrafficTotals;
  /** message_ids acknowledged so far (runbook 6's "app state"). */
  acknowledged(): string[];
  /** Every acknowledged message looked up in the database. */
  checkAcknowledged(): Promise<LedgerCheck>;
}
