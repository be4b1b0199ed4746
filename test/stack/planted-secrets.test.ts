import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpRequest } from '../../src/core/http-client.ts';
import { withDatabase } from '../../src/stack/database-session.ts';
import { EmbeddedStack } from '../../src/stack/embedded/embedded-stack.ts';
import { plantedSecrets } from '../support/planted-secrets.ts';

/**
 * A stack's secrets can be chosen (GAMEDAY_SECRET_*): the secret-planting test of the full game day
 * relies on the stack really using them, which this proves on a running stack.
 */
const secrets = plantedSecrets();
let stack: EmbeddedStack;
const saved = { ...process.env };

beforeAll(async () => {
  Object.assign(process.env, secrets);
  stack = await EmbeddedStack.up({ seed: 'tiny', replicas: 1 });
}, 120_000);
afterAll(async () => {
  await stack?.down();
  process.env = saved;
});

describe('planted secrets', () => {
  it('are the ones the stack uses: the admin API, the superuser and the application role answer to them', async () => {
    expect(stack.secrets.adminToken).toBe(secrets.GAMEDAY_SECRET_ADMIN_TOKEN);
    expect(stack.secrets.jwtSecret).toBe(secrets.GAMEDAY_SECRET_JWT_SECRET);
    const admin = await httpRequest(`${stack.endpoints.frontUrl}/admin/blocked-ips`, {
      token: secrets.GAMEDAY_SECRET_ADMIN_TOKEN,
    });
    expect(admin.status).toBe(200);
    expect(new URL(stack.endpoints.database.primaryAdminUrl).password).toBe(
      secrets.GAMEDAY_SECRET_DATABASE_PASSWORD,
    );
    expect(new URL(stack.endpoints.database.appUrl).password).toBe(secrets.GAMEDAY_SECRET_APP_PASSWORD);
    expect(
      await withDatabase(
        stack.endpoints.database.appUrl,
        async (client) => (await client.query('SELECT 1 AS one')).rows,
      ),
    ).toEqual([{ one: 1 }]);
  });
});
