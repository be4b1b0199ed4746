import { GamedayError, InputError, StackUnavailableError } from '../core/errors.ts';
import { readSession } from './control-server.ts';

/** Sends one request to the running game day's control server; errors carry the CLI's exit codes. */
export async function callSession(
  method: 'GET' | 'POST',
  route: string,
  body?: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  const session = await readSession();
  if (!session)
    throw new StackUnavailableError(
      'no game day is running here: start one with `gameday run --mode gameday` (same GAMEDAY_STATE_DIR)',
    );
  let response: Response;
  try {
    response = await fetch(`${session.url}${route}`, {
      method,
      headers: { authorization: `Bearer ${session.token}`, 'content-type': 'application/json' },
      ...(body ? { body: JSON.stringify(body) } : {}),
      // A command may wait on a rollout; the others answer at once.
      signal: AbortSignal.timeout(route === '/ctl' ? 10 * 60_000 : 10_000),
    });
  } catch (error) {
    throw new StackUnavailableError(
      `the game day (pid ${session.pid}) did not answer at ${session.url}: ${(error as Error).message}`,
    );
  }
  const answer = (await response.json().catch(() => ({
    error: `the game day (pid ${session.pid}) answered HTTP ${response.status} with no JSON`,
  }))) as Record<string, unknown>;
  if (response.status === 400) throw new InputError([String(answer.error)]);
  if (response.status === 409) throw new GamedayError(String(answer.error), 3);
  if (!response.ok) throw new GamedayError(String(answer.error ?? `HTTP ${response.status}`), 1);
  return answer;
}
