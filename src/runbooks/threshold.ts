export type Comparator = '>' | '>=' | '<' | '<=';
export type ThresholdUnit = '%' | 'ms' | 's' | 'count';

export interface Threshold {
  comparator: Comparator;
  value: number;
  unit: ThresholdUnit;
  /** Read from the alert block or, when its Alert line has none, from the Runbook Index entry. */
  source: 'alert' | 'index';
  line: number;
  /** The words it was read from, e.g. "> 500ms" or "10+". */
  text: string;
}

export interface Baseline {
  value: number;
  unit: ThresholdUnit;
  text: string;
}

/** An optional unit after a number; minutes and hours are converted to seconds. */
const UNIT = String.raw`(%|(?:milliseconds?|ms|seconds?|secs?|s|minutes?|mins?|hours?|hrs?)\b)?`;
const QUANTITY = String.raw`(\d+(?:\.\d+)?)\s*${UNIT}`;
/** "> 1000", ">1%", "≥ 2 s"; an arrow ("->", "=>") is not a comparator. */
const COMPARED = new RegExp(String.raw`(?<![-=<>])(>=|<=|≥|≤|>|<)\s*${QUANTITY}`, 'i');
/** "10+ failed auth" means at least 10. */
const AT_LEAST = new RegExp(String.raw`(?<![\w.])(\d+(?:\.\d+)?)\+\s*${UNIT}`, 'i');
const BASELINES = [
  new RegExp(String.raw`baseline\s*[:=]?\s*${QUANTITY}`, 'i'), // "(baseline: 50ms)"
  new RegExp(String.raw`${QUANTITY}\s+baseline`, 'i'), // "(spike from 200 baseline)"
  new RegExp(String.raw`from\s+${QUANTITY}\s*(?:→|->|to\b)`, 'i'), // "increased from 0.2% → 1.5%"
];

const COMPARATORS: Record<string, Comparator> = {
  '>': '>',
  '>=': '>=',
  '≥': '>=',
  '<': '<',
  '<=': '<=',
  '≤': '<=',
};

function quantity(number: string, unit: string | undefined): { value: number; unit: ThresholdUnit } {
  const value = Number(number);
  const word = unit?.toLowerCase();
  if (word === undefined) return { value, unit: 'count' };
  if (word === '%') return { value, unit: '%' };
  if (word === 'ms' || word.startsWith('milli')) return { value, unit: 'ms' };
  if (word.startsWith('m')) return { value: value * 60, unit: 's' };
  if (word.startsWith('h')) return { value: value * 3600, unit: 's' };
  return { value, unit: 's' };
}

/** The first threshold in a line of alert text ("> 500ms", ">1%", "10+ failed auth"), if any. */
export function findThreshold(text: string): Omit<Threshold, 'source' | 'line'> | undefined {
  const compared = COMPARED.exec(text);
  if (compared) {
    const comparator = COMPARATORS[compared[1]!]!;
    return { comparator, ...quantity(compared[2]!, compared[3]), text: compared[0].trim() };
  }
  const atLeast = AT_LEAST.exec(text);
  if (atLeast) return { comparator: '>=', ...quantity(atLeast[1]!, atLeast[2]), text: atLeast[0].trim() };
  return undefined;
}

/**
 * The normal level an alert line compares against: "(baseline: 50ms)", "(spike from 200 baseline)",
 * "from 0.2% → 1.5%". A baseline written without a unit takes the threshold's.
 */
export function findBaseline(text: string, thresholdUnit?: ThresholdUnit): Baseline | undefined {
  for (const pattern of BASELINES) {
    const match = pattern.exec(text);
    if (!match) continue;
    const found = quantity(match[1]!, match[2]);
    const unit = match[2] === undefined && thresholdUnit ? thresholdUnit : found.unit;
    return { value: found.value, unit, text: match[0].trim() };
  }
  return undefined;
}
