import fs from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { toMs } from '../core/duration.ts';
import { InputError } from '../core/errors.ts';
import { MAX_SEED } from '../core/seeded-pick.ts';
import type { RoundSpec } from './rounds.ts';

/** A game day as a facilitator plans it (`gameday plan FILE.yaml`): rounds, run one after another. */
export interface GameDayPlan {
  file: string;
  title: string;
  /** Wall ms between rounds before the next starts by itself; absent: it waits for `gameday next`. */
  pauseMs?: number;
  rounds: RoundSpec[];
}

const duration = z.union([z.string(), z.number()]).refine((value) => toMs(value) !== undefined, {
  message: 'expected a duration such as 90s or 20m',
});
const names = z.array(z.string().min(1));

const roundSchema = z
  .object({
    name: z.string().min(1).optional(),
    scenario: z.string().min(1).optional(),
    blind: z
      .union([
        z.literal(true),
        z
          .object({
            from: names.optional(),
            seed: z.number().int().min(0).max(MAX_SEED).optional(),
          })
          .strict(),
      ])
      .optional(),
    timeBox: duration.optional(),
    roles: z
      .object({
        facilitator: z.string().min(1).optional(),
        responders: names.optional(),
        observers: names.optional(),
      })
      .strict()
      .optional(),
  })
  .strict()
  .refine((round) => (round.scenario === undefined) !== (round.blind === undefined), {
    message:
      'give a round either `scenario: ID` or `blind: { from: [IDs…] }` (a blind pick), not both or neither',
  });

const planSchema = z
  .object({
    title: z.string().min(1).optional(),
    pause: duration.optional(),
    rounds: z.array(roundSchema).min(1, 'a plan needs at least one round'),
  })
  .strict();

/** "rounds.1.timeBox" for zod's path ["rounds", 1, "timeBox"]. */
function where(issuePath: readonly PropertyKey[]): string {
  return issuePath.length === 0 ? '(top level)' : issuePath.map(String).join('.');
}

/**
 * Reads and checks a plan file. Every problem names the file, the field and what to write instead; the
 * scenario ids are checked later, against the scenarios the run loads (`checkPlanIds`).
 */
export async function readPlan(file: string): Promise<GameDayPlan> {
  const shown = path.relative(process.cwd(), file) || file;
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch {
    throw new InputError([`${shown}: cannot read the plan file; give the path of a YAML plan`]);
  }
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (error) {
    throw new InputError([`${shown}: not valid YAML (${(error as Error).message.split('\n')[0]})`]);
  }
  const parsed = planSchema.safeParse(raw);
  if (!parsed.success)
    throw new InputError(
      parsed.error.issues.map((issue) => `${shown}: ${where(issue.path)}: ${issue.message}`),
    );
  const plan = parsed.data;
  return {
    file,
    title: plan.title ?? path.basename(file, path.extname(file)),
    ...(plan.pause === undefined ? {} : { pauseMs: toMs(plan.pause)! }),
    rounds: plan.rounds.map((round) => ({
      ...(round.name ? { name: round.name } : {}),
      ...(round.scenario ? { scenario: round.scenario } : {}),
      ...(round.blind
        ? {
            blind: {
              from: round.blind === true ? [] : (round.blind.from ?? []),
              ...(round.blind !== true && round.blind.seed !== undefined ? { seed: round.blind.seed } : {}),
            },
          }
        : {}),
      ...(round.timeBox === undefined ? {} : { timeBoxMs: toMs(round.timeBox)! }),
      ...(round.roles ? { roles: round.roles } : {}),
    })),
  };
}

/**
 * The rounds' scenario ids that the run cannot play (not in the scenario directory, or skipped on this
 * stack), each named with its round and what to do.
 */
export function unplayableRounds(
  rounds: readonly RoundSpec[],
  playable: ReadonlySet<string>,
  source: string,
): string[] {
  return rounds.flatMap((round, index) => {
    const ids = round.blind ? round.blind.from : [round.scenario!];
    const field = round.blind ? `rounds.${index}.blind.from` : `rounds.${index}.scenario`;
    return ids
      .filter((id) => !playable.has(id))
      .map(
        (id) =>
          `${source}: ${field}: "${id}" is not a scenario this run can play; \`gameday list\` shows them`,
      );
  });
}
