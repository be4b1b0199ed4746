import { fileURLToPath } from 'node:url';

/**
 * The one door from gameday's code to the reference backend in fixtures/ (the system under test the
 * project ships): its seed, its entry point, its schema and its runbook. Everything else in src/ goes
 * through here, so the harness never grows other ties to one particular backend (the dependency rule
 * in .dependency-cruiser.cjs keeps it so).
 */
export {
  applySchema,
  isSeedPreset,
  SEED_PASSWORD,
  SEED_PRESETS,
  type SeedPreset,
  type SeedSize,
  seed,
} from '../../fixtures/chat-backend/db/seed.ts';

const fixture = (relative: string) => fileURLToPath(new URL(`../../fixtures/${relative}`, import.meta.url));

/** The backend's entry point, run by every replica of the embedded and containers stacks. */
export const BACKEND_ENTRY = fixture('chat-backend/src/main.ts');

/** The backend's image build: fixtures/Dockerfile and its context, as docker-compose.yml builds it. */
export const BACKEND_BUILD_CONTEXT = fixture('');

/** The attachment store the backend uploads to. */
export const OBJECT_STORE_ENTRY = fixture('object-store/main.ts');

/** The schema and seed sources, whose content keys the seed snapshot. */
export const SEED_SOURCES = [fixture('chat-backend/db/schema.sql'), fixture('chat-backend/db/seed.ts')];

/** The application schema runbook SQL is checked against. */
export const APP_SCHEMA_FILE = fixture('chat-backend/db/schema.sql');

/** The reference backend's incident runbooks, in the project's own words. */
export const REFERENCE_RUNBOOK = fixture('runbook/chat-backend-runbooks.md');
