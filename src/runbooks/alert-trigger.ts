import { ownEntry } from '../core/own-entry.ts';
import { parseDuration } from './duration.ts';
import type { FenceBlock } from './markdown.ts';
import { quoteLine, RunbookParseError } from './parse-error.ts';
import type { Severity } from './severity-table.ts';
import { type Baseline, findBaseline, findThreshold, type Threshold } from './threshold.ts';

export interface AlertTrigger {
  /** 1-based line of the first line inside the fenced block. */
  line: number;
  /** The block's lines as written. */
  lines: string[];
  /** The text after "Alert:"; several alternative Alert lines are joined with " OR ". */
  alertText: string;
  severity?: string;
  threshold?: Threshold;
  /** "Duration: 5+ minutes sustained" → 300000. */
  durationMs?: number;
  /** "within 1 min" → 60000. */
  windowMs?: number;
  /** The metric name without labels. */
  metric?: string;
  /** The selector as written, labels included: database_query_duration_seconds{quantile="0.95"}. */
  metricSelector?: string;
  baseline?: Baseline;
}

/** The Runbook Index entry of a runbook, e.g. "Elevated Error Rates (>1% increase)". */
export interface IndexEntry {
  text: string;
  line: number;
}

interface Field {
  key: string;
  value: string;
  line: number;
}

const FIELD = /^\s*([A-Za-z][A-Za-z ]*?)\s*:\s*(.*?)\s*$/;
const METRIC = /^([A-Za-z_:][A-Za-z0-9_:]*)(\{[^}]*\})?/;
const WINDOW = /\bwithin\s+(.*)$/i;

const words = (text: string): Set<string> => new Set(text.toLowerCase().match(/[a-z0-9]{4,}/g) ?? []);

/**
 * When a block lists alternative alerts ("Alert: ... OR Alert: ..."), the one the Runbook Index entry
 * describes (most words in common) is the one whose threshold and window the runbook is about.
 */
function primaryAlert(alerts: readonly Field[], index: IndexEntry | undefined): Field {
  if (!index || alerts.length === 1) return alerts[0]!;
  const described = words(index.text);
  const score = (alert: Field) => [...words(alert.value)].filter((word) => described.has(word)).length;
  return alerts.reduce((best, alert) => (score(alert) > score(best) ? alert : best));
}

function durationOf(field: Field, file: string): number {
  const ms = parseDuration(field.value);
  if (ms === undefined) {
    throw new RunbookParseError(
      file,
      field.line,
      'a duration such as "5+ minutes sustained"',
      quoteLine(field.value),
    );
  }
  return ms;
}

/** Reads the "Key: value" lines of an Alert Trigger block. */
export function parseAlertTrigger(
  fence: FenceBlock,
  index: IndexEntry | undefined,
  severities: Record<string, Severity>,
  file: string,
): AlertTrigger {
  const fields: Field[] = [];
  fence.code.forEach((text, i) => {
    const match = FIELD.exec(text);
    if (match) fields.push({ key: match[1]!.toLowerCase(), value: match[2]!, line: fence.codeLine + i });
  });
  const field = (...keys: string[]) => fields.find((candidate) => keys.includes(candidate.key));

  const alerts = fields.filter((candidate) => candidate.key === 'alert');
  if (alerts.length === 0) {
    throw new RunbookParseError(
      file,
      fence.codeLine,
      'an "Alert: ..." line in the Alert Trigger block',
      quoteLine(fence.code[0]),
    );
  }
  const trigger: AlertTrigger = {
    line: fence.codeLine,
    lines: [...fence.code],
    alertText: alerts.map((alert) => alert.value).join(' OR '),
  };

  const primary = primaryAlert(alerts, index);
  const ownThreshold = findThreshold(primary.value);
  const indexThreshold = index && findThreshold(index.text);
  if (ownThreshold) trigger.threshold = { ...ownThreshold, source: 'alert', line: primary.line };
  else if (indexThreshold) trigger.threshold = { ...indexThreshold, source: 'index', line: index.line };

  const baseline = findBaseline(primary.value, trigger.threshold?.unit);
  if (baseline) trigger.baseline = baseline;

  const severity = field('severity');
  if (severity) {
    const level = severity.value.split(/\s+/)[0]!;
    if (!ownEntry(severities, level)) {
      const known = Object.keys(severities).join(', ');
      throw new RunbookParseError(
        file,
        severity.line,
        `a severity from the severity table (${known})`,
        quoteLine(severity.value),
      );
    }
    trigger.severity = level;
  }

  const duration = field('duration');
  if (duration) trigger.durationMs = durationOf(duration, file);
  const window = field('window');
  const windowMs = window ? durationOf(window, file) : parseDuration(WINDOW.exec(primary.value)?.[1] ?? '');
  if (windowMs !== undefined) trigger.windowMs = windowMs;

  const metrics = field('metrics', 'metric');
  const metric = metrics && METRIC.exec(metrics.value);
  if (metric) {
    trigger.metric = metric[1]!;
    trigger.metricSelector = metric[0];
  }
  return trigger;
}
