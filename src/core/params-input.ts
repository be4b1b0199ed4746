import type { z } from 'zod';

/**
 * The parameters a scenario file writes for a schema: its input type, where a strict empty object
 * (zod's `Record<string, never>`) means "nothing to add".
 */
export type ParamsInput<Schema extends z.ZodType> = string extends keyof z.input<Schema>
  ? unknown
  : z.input<Schema>;
