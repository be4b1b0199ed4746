import fs from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { withDatabase } from '../stack/database-session.ts';
import { savedDamageDir } from '../stack/fault-ledger.ts';
import { defineFaultKind } from './fault.ts';

/** What the job deleted, kept by the harness so the fault can always be undone. */
interface Damage {
  conversations: Record<string, unknown>[];
  participants: Record<string, unknown>[];
  messages: Record<string, unknown>[];
}

/** Puts back whatever of the saved rows is still missing (the remedy may already have). */
async function putBack(url: string, damage: Damage): Promise<void> {
  await withDatabase(url, async (client) => {
    await client.query('BEGIN');
    await client.query(
      `INSERT INTO conversations SELECT * FROM json_populate_recordset(null::conversations, $1)
       ON CONFLICT DO NOTHING`,
      [JSON.stringify(damage.conversations)],
    );
    await client.query(
      `INSERT INTO conversation_participants
       SELECT * FROM json_populate_recordset(null::conversation_participants, $1) ON CONFLICT DO NOTHING`,
      [JSON.stringify(damage.participants)],
    );
    await client.query(
      `INSERT INTO messages SELECT * FROM json_populate_recordset(null::messages, $1) ON CONFLICT DO NOTHING`,
      [JSON.stringify(damage.messages)],
    );
    await client.query('COMMIT');
  });
}

/**
 * Runbook 6's corruption, caused the way it usually is: a maintenance job with bugs. It "archives" the
 * oldest conversations by deleting them but forgets their messages (orphans), and its retention purge
 * has the comparison the wrong way round, so it deletes the newest messages instead of the oldest
 * (acknowledged messages go missing). Every deleted row is saved first, on disk, so the undo can put
 * back whatever the responders did not.
 */
export const badCleanupJob = defineFaultKind({
  kind: 'bad-cleanup-job',
  params: z
    .object({
      /** How many of the oldest conversations it deletes. */
      conversations: z.number().int().min(0).max(100),
      /** It deletes the messages written in this many seconds before it runs (real seconds). */
      newestMessagesSeconds: z.number().min(0).max(3_600),
    })
    .strict(),
  requires: ['database-superuser'],
  describe: ({ conversations, newestMessagesSeconds }) =>
    `a cleanup job deletes the ${conversations} oldest conversations (not their messages) and the messages of the last ${newestMessagesSeconds} s`,
  async inject({ conversations, newestMessagesSeconds }, { stack, note, markOnset, evidence }, registerUndo) {
    const url = stack.database.adminUrl();
    const file = path.join(savedDamageDir(), `cleanup-job-${process.pid}-${Date.now()}.json`);
    let damage: Damage | undefined;
    await registerUndo(
      async () => {
        if (damage) await putBack(stack.database.adminUrl(), damage);
        await fs.rm(file, { force: true });
      },
      { savedRows: file },
      async () => {
        if (!damage) return undefined;
        const ids = damage.messages.map((row) => row.id);
        return withDatabase(stack.database.adminUrl(), async (client) => {
          const { rows } = await client.query<{ n: number }>(
            'SELECT count(*)::int AS n FROM messages WHERE id = ANY($1::bigint[])',
            [ids],
          );
          const missing = ids.length - rows[0]!.n;
          return missing > 0 ? `${missing} deleted message(s) are still missing` : undefined;
        });
      },
    );
    await withDatabase(url, async (client) => {
      await client.query("SELECT set_config('application_name', 'retention-cleanup', false)");
      // One snapshot for the whole job, taken by its first statement: every commit the job can see
      // (and so delete) committed before the start time it logs. The time is rounded up to the next
      // millisecond because a Date holds no microseconds: rounded down, a point-in-time restore to it
      // missed a message committed in the last fraction of a millisecond before the snapshot (CI saw
      // 287 of 288 restored).
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
      const started = await client.query<{ at: Date }>(
        "SELECT date_trunc('milliseconds', clock_timestamp()) + interval '1 millisecond' AS at",
      );
      markOnset?.(started.rows[0]!.at);
      // Save first, inside the same transaction, so the saved rows are exactly the deleted ones.
      const doomed = await client.query<{ id: string }>(
        'SELECT id FROM conversations ORDER BY created_at, id LIMIT $1',
        [conversations],
      );
      const conversationIds = doomed.rows.map((row) => row.id);
      const saved: Damage = {
        conversations: (
          await client.query('SELECT * FROM conversations WHERE id = ANY($1)', [conversationIds])
        ).rows,
        participants: (
          await client.query('SELECT * FROM conversation_participants WHERE conversation_id = ANY($1)', [
            conversationIds,
          ])
        ).rows,
        messages: (
          await client.query(
            `SELECT * FROM messages WHERE created_at > $1::timestamptz - make_interval(secs => $2)`,
            [started.rows[0]!.at, newestMessagesSeconds],
          )
        ).rows,
      };
      await fs.mkdir(path.dirname(file), { recursive: true });
      await fs.writeFile(file, JSON.stringify(saved));
      damage = saved;
      await client.query('DELETE FROM conversations WHERE id = ANY($1)', [conversationIds]);
      await client.query('DELETE FROM messages WHERE id = ANY($1::bigint[])', [
        saved.messages.map((m) => m.id),
      ]);
      await client.query('COMMIT');
      const orphaned = await client.query<{ message_id: string }>(
        'SELECT message_id::text FROM messages WHERE conversation_id = ANY($1) LIMIT 1000',
        [conversationIds],
      );
      evidence?.(
        orphaned.rows.map((row) => row.message_id),
        `the messages of deleted conversations ${conversationIds.join(', ')} (orphans)`,
      );
      note(
        `deleted ${saved.conversations.length} conversations (${saved.participants.length} participants; their messages left behind) and ${saved.messages.length} recent messages; saved to ${file}`,
      );
    });
  },
});
