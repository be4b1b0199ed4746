import { randomBytes } from 'node:crypto';

/**
 * A stack's secret: random, or chosen through GAMEDAY_SECRET_<NAME> (to connect tools of your own to
 * the stack, or for a test that plants its own and looks for them where they must never appear).
 */
export const stackSecret = (name: 'ADMIN_TOKEN' | 'JWT_SECRET' | 'DATABASE_PASSWORD' | 'APP_PASSWORD') =>
  process.env[`GAMEDAY_SECRET_${name}`] || randomBytes(16).toString('hex');
