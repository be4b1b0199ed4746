/**
 * The causes a responder's diagnosis can name, each with the words a right diagnosis uses, and which
 * injected faults and runbook procedures each stands for. One catalogue, so the matcher is the same for
 * every scenario and its judgement can be read here: a cause is named by one of its phrases, or by one
 * of its subjects within a few words of one of its problems ("the new release is broken", "latency on
 * the database link"). Restating the alert ("sends fail", "the database is slow") names no cause.
 */

/** A fault as the catalogue sees it: its kind and parameters (no behaviour). */
export interface FaultFacts {
  kind: string;
  params: Record<string, unknown>;
}

export interface Cause {
  id: string;
  /** How a facilitator's answer key names it. */
  title: string;
  /** Regular expressions (source text, matched on lower-case text with single spaces) that name it alone. */
  phrases: string[];
  /** What is wrong (a component), named within a few words of `problems`. */
  subjects?: string[];
  problems?: string[];
  /** The injected faults this cause is the right diagnosis of. */
  fault?: (fault: FaultFacts) => boolean;
  /** The runbook procedures (by title) that answer this cause. */
  procedure?: RegExp;
}

const DATABASE = ['database', 'db', 'postgres(?:ql)?', 'primary', 'pg'];
const GONE = [
  'down',
  'stopped',
  'crashed',
  'dead',
  'offline',
  'unreachable',
  'unavailable',
  'not running',
  'gone',
  'outage',
  'died',
  'refus\\w*',
];

const param = (fault: FaultFacts, name: string) => fault.params[name];

/** A socket storm from a handful of addresses is an attack; from hundreds, a crowd. */
const FEW_ADDRESSES = 10;

export const CAUSES: readonly Cause[] = [
  {
    id: 'bad-release',
    title: 'a bad release (a recent deploy with a defect)',
    phrases: ['null[- ]?check', 'null pointer', 'cannot read propert', 'reading .?id', 'regression'],
    subjects: [
      'deploy\\w*',
      'release\\w*',
      'roll-?out',
      'version',
      'build',
      'code change',
      'new code',
      'v?\\d+\\.\\d+\\.\\d+',
    ],
    problems: [
      'bad',
      'broken',
      'buggy',
      'bugs?',
      'defect\\w*',
      'faulty',
      'null',
      'exceptions?',
      'crash\\w*',
      'new',
      'recent',
      'latest',
      'regress\\w*',
    ],
    fault: (f) => f.kind === 'deploy-release' && param(f, 'release') !== '1.6.0',
    procedure: /rollback procedure|unhandled exception/i,
  },
  {
    id: 'memory-leak',
    title: 'a memory leak (replicas killed for running out of memory)',
    phrases: [
      'memory leak',
      'leak\\w* memory',
      'out of memory',
      'oom\\w*',
      'heap (?:limit|exhausted|full|out)',
    ],
    subjects: ['memory', 'heap', 'rss'],
    problems: ['leak\\w*', 'grow\\w*', 'exhaust\\w*', 'full', 'limit', 'kill\\w*'],
    fault: (f) => f.kind === 'deploy-release' && param(f, 'release') === '1.6.0',
  },
  {
    id: 'missing-index',
    title: 'a missing index (queries scan the whole table)',
    phrases: [
      'missing index',
      'no index',
      'seq(?:uential)? ?scans?',
      'full (?:table )?scans?',
      'table scans?',
      'idx_messages',
    ],
    subjects: ['index\\w*'],
    problems: ['missing', 'dropped', 'deleted', 'gone', 'lost', 'removed', 'no'],
    fault: (f) => f.kind === 'drop-index',
    procedure: /missing index/i,
  },
  {
    id: 'lock-contention',
    title: 'lock contention (a long transaction holds a lock that writes wait on)',
    phrases: [
      'lock contention',
      'locks?',
      'locked',
      'locking',
      'blocking (?:session|query|queries|transaction|pid|process|backend)',
      'blocked (?:queries|inserts|writes|sessions)',
      'pg_blocking_pids',
      'nightly-report',
    ],
    fault: (f) => f.kind === 'hold-lock',
    procedure: /lock contention/i,
  },
  {
    id: 'runaway-query',
    title: 'runaway queries (CPU-bound statements that never finish)',
    phrases: [
      'run-?away',
      'long[- ]running (?:query|queries|select|statements?|analytics)',
      'analytics (?:query|queries|job)',
      'adhoc',
      'cpu (?:pinned|at 100|saturated|bound|hog\\w*)',
      '(?:expensive|heavy|cpu[- ]bound) (?:query|queries|statements?)',
    ],
    fault: (f) => f.kind === 'runaway-query',
    procedure: /runaway query/i,
  },
  {
    id: 'connection-leak',
    title: 'a connection leak (a worker holds every database connection)',
    phrases: [
      'connection leak',
      'leak\\w* (?:database |db )?connections',
      'too many clients',
      'max_connections',
      'idle in transaction',
      'report-exporter',
    ],
    subjects: ['connections'],
    problems: ['exhaust\\w*', 'maxed', 'used up', 'at the limit', 'leak\\w*', 'all taken', 'run out'],
    fault: (f) => f.kind === 'connection-leak',
  },
  {
    id: 'pool-exhausted',
    title: 'an exhausted connection pool (too few connections for slow queries)',
    phrases: [
      'database_pool_max',
      'pool (?:timeouts?|starv\\w*)',
      'waiting for (?:a )?(?:pooled )?connection',
    ],
    subjects: ['pool'],
    problems: [
      'exhaust\\w*',
      'too small',
      'small',
      'tiny',
      'full',
      'starv\\w*',
      'maxed',
      'saturat\\w*',
      'not (?:big|large) enough',
      'empty',
      'run out',
      'ran out',
    ],
    fault: (f) =>
      f.kind === 'backend-env' &&
      Object.keys((param(f, 'env') as object | undefined) ?? {}).includes('DATABASE_POOL_MAX'),
    procedure: /connection pool exhaust/i,
  },
  {
    id: 'slow-database-link',
    title: 'a slow network link to the database (latency)',
    phrases: [
      'network latency',
      'latency (?:to|on|between|from)',
      'slow (?:network|link)',
      'toxiproxy',
      'round[- ]?trip',
    ],
    subjects: ['network', 'link', 'proxy', 'connection to the (?:database|db)'],
    problems: ['slow\\w*', 'latency', 'lag\\w*', 'delay\\w*', 'degraded'],
    fault: (f) => f.kind === 'proxy-toxic' && param(f, 'proxy') === 'database',
  },
  {
    id: 'database-down',
    title: 'the primary database is down',
    phrases: ['database outage', 'primary (?:outage|failure)'],
    subjects: DATABASE,
    problems: GONE,
    fault: (f) => f.kind === 'stop-primary' || (f.kind === 'proxy-down' && param(f, 'proxy') === 'database'),
    procedure: /database recovery/i,
  },
  {
    id: 'database-hang',
    title: 'the primary database hangs (connections open, nothing answers)',
    phrases: ['sigstop'],
    subjects: DATABASE,
    problems: [
      'hung',
      'hang\\w*',
      'frozen',
      'freez\\w*',
      'stuck',
      'unresponsive',
      'not respond\\w*',
      'not answer\\w*',
      'paused',
      'time[sd]? ?out',
    ],
    fault: (f) => f.kind === 'freeze-primary',
  },
  {
    id: 'network-blip',
    title: 'a brief network blip left the circuit breaker open on a healthy database',
    phrases: [
      'blip',
      'glitch',
      'transient',
      'false alarm',
      'briefly',
      'brief (?:outage|failure|network|disconnect\\w*|drop)',
      'flap\\w*',
    ],
    subjects: ['breakers?'],
    problems: [
      'stuck',
      'did not close',
      "didn't close",
      'never closed',
      'stay\\w* open',
      'remain\\w* open',
      'still open',
    ],
    fault: (f) => f.kind === 'proxy-blip',
    procedure: /reset circuit breaker/i,
  },
  {
    id: 'dependency-down',
    title: 'the attachment store (an external dependency) is down',
    phrases: ['external dependency', 'object[- ]store (?:is )?(?:down|unreachable|unavailable|cut|gone)'],
    subjects: [
      'attachments?',
      'attachment (?:store|storage|service)',
      'object[- ]?store',
      's3',
      'storage',
      'bucket',
      'upload service',
      'dependency',
    ],
    problems: [...GONE, 'cut', 'failing', 'timing out', 'timeouts?'],
    fault: (f) => f.kind === 'proxy-down' && param(f, 'proxy') === 'objectStore',
    procedure: /external dependency/i,
  },
  {
    id: 'ddos',
    title: 'a connection storm from a few addresses (an attack)',
    phrases: [
      'd?dos',
      'botnet',
      'bots?',
      'malicious',
      '(?:connection|socket) (?:attack|flood)',
      'few (?:ips|addresses|sources)',
      '(?:three|3|handful of) (?:ips|addresses)',
    ],
    fault: (f) =>
      f.kind === 'socket-storm' &&
      ((param(f, 'sourceAddresses') as unknown[] | undefined)?.length ?? 0) <= FEW_ADDRESSES,
    procedure: /ddos/i,
  },
  {
    id: 'traffic-spike',
    title: 'a legitimate traffic spike beyond capacity',
    phrases: [
      '(?:legitimate|real|organic|genuine) (?:traffic|users|spike|surge|load)',
      '(?:traffic|user|usage|load|connection) (?:spike|surge|burst)',
      '(?:big|large|popular) event',
      'not enough (?:replicas|pods|capacity)',
      'at capacity',
      'under-?provisioned',
    ],
    fault: (f) =>
      f.kind === 'socket-storm' &&
      ((param(f, 'sourceAddresses') as unknown[] | undefined)?.length ?? 0) > FEW_ADDRESSES,
    procedure: /scaling procedure/i,
  },
  {
    id: 'brute-force',
    title: 'a brute-force login attack from one address',
    phrases: [
      'brute[- ]?forc\\w*',
      'credential stuffing',
      'password (?:guess\\w*|spray\\w*|attack)',
      'dictionary attack',
      '(?:login|auth\\w*) attack',
      'failed logins (?:from|by)',
    ],
    fault: (f) => f.kind === 'auth-attack',
  },
  {
    id: 'bad-cleanup-job',
    title: 'a buggy cleanup job deleted messages and orphaned others',
    phrases: ['(?:cleanup|clean-up|maintenance|purge|retention) (?:job|script|task|cron)', 'orphan\\w*'],
    subjects: ['job', 'script', 'cron'],
    problems: ['delet\\w*', 'remov\\w*', 'purg\\w*', 'buggy', 'bad', 'broken'],
    fault: (f) => f.kind === 'bad-cleanup-job',
  },
  {
    id: 'missing-messages',
    title: 'acknowledged messages are missing from the database',
    phrases: [
      '(?:missing|lost|deleted|vanished) messages',
      'messages (?:are |were )?(?:missing|lost|gone|deleted)',
    ],
    procedure: /missing messages/i,
  },
  {
    id: 'duplicate-messages',
    title: 'client resends stored the same message twice',
    phrases: [
      'duplicat\\w*',
      '(?:stored|written|saved|inserted) twice',
      'double (?:writes?|sends?|inserts?)',
      'resend\\w*',
      'retr(?:y|ies) (?:with )?(?:the )?same',
      'idempoten\\w*',
      'unique constraint',
    ],
    procedure: /duplicate messages/i,
  },
  {
    id: 'bad-config',
    title: 'a bad configuration rolled out',
    phrases: ['misconfigur\\w*', 'config(?:uration)? change'],
    subjects: ['config\\w*', 'settings?', 'env(?:ironment)?(?: var\\w*)?'],
    problems: ['bad', 'wrong', 'broken', 'changed', 'invalid'],
    fault: (f) => f.kind === 'backend-env',
  },
];

/** The causes that are a right diagnosis of one fault, and of the procedure that answers it. */
export function causesOf(fault: FaultFacts | undefined, procedure?: string): Cause[] {
  return CAUSES.filter(
    (cause) =>
      (fault !== undefined && cause.fault?.(fault)) ||
      (procedure !== undefined && cause.procedure?.test(procedure)),
  );
}
