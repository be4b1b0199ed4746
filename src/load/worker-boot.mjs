// A worker thread's first module: TypeScript support (tsx), then the worker's own module (workerData.entry).
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.entry);
