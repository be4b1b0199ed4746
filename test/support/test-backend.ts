import { type Backend, startBackend } from '../../fixtures/chat-backend/src/backend.ts';
import { loadConfig } from '../../fixtures/chat-backend/src/config.ts';
import { createLogger } from '../../fixtures/chat-backend/src/logger.ts';
import { type ObjectStore, startObjectStore } from '../../fixtures/object-store/object-store.ts';
import { createTestDatabase, type TestDatabase } from './databases.ts';

export const ADMIN_TOKEN = 'test-admin-token';
export const JWT_SECRET = 'test-jwt-secret-0123456789';

export interface LogRecord {
  level: string;
  msg: string;
  [key: string]: unknown;
}

export interface TestBackend {
  backend: Backend;
  url: string;
  db: TestDatabase;
  store: ObjectStore;
  logs: LogRecord[];
  close(): Promise<void>;
}

export interface TestBackendOptions {
  env?: Record<string, string>;
  /** Share the database of another test backend (replicas of one deployment). */
  db?: TestDatabase;
  store?: ObjectStore;
}

/**
 * A real backend instance on a free port with its own database copy and object store, configured
 * through the same environment variables a deployment uses. Its JSON logs are captured for assertions.
 */
export async function startTestBackend(options: TestBackendOptions = {}): Promise<TestBackend> {
  const db = options.db ?? (await createTestDatabase());
  const store = options.store ?? (await startObjectStore());
  const config = loadConfig({
    PORT: '0',
    DATABASE_URL: db.url,
    OBJECT_STORE_URL: store.url,
    ADMIN_TOKEN,
    JWT_SECRET,
    LOG_LEVEL: 'info',
    ...options.env,
  });
  const logs: LogRecord[] = [];
  const logger = createLogger(
    { level: config.logLevel, instance: config.instance, release: config.release },
    { write: (line: string) => void logs.push(JSON.parse(line) as LogRecord) },
  );
  const backend = await startBackend(config, { logger });
  return {
    backend,
    url: backend.url,
    db,
    store,
    logs,
    close: async () => {
      await backend.close();
      if (!options.store) await store.close();
      if (!options.db) await db.drop();
    },
  };
}
