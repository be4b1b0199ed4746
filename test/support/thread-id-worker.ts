import { threadId } from 'node:worker_threads';
import { serveHandlers } from '../../src/load/worker-rpc.ts';

/** A worker that says which thread it is (for the spare-worker tests). */
serveHandlers({ threadId: () => threadId });
