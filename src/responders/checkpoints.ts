/** The runbooks' incident timeline, as responders mark it during a game day. */
export const CHECKPOINTS = [
  { id: 'acknowledged', key: 'a', title: 'acknowledged' },
  { id: 'root-cause', key: 'r', title: 'root cause identified' },
  { id: 'fix-deployed', key: 'f', title: 'fix deployed' },
  { id: 'service-restored', key: 's', title: 'service restored' },
] as const;

export type CheckpointId = (typeof CHECKPOINTS)[number]['id'];

/** Who recorded a checkpoint: a key in the harness's terminal, `gameday mark`, or the harness itself. */
export type CheckpointSource = 'key' | 'mark' | 'detected';

export function isCheckpoint(value: string): value is CheckpointId {
  return CHECKPOINTS.some((checkpoint) => checkpoint.id === value);
}

export function checkpointTitle(id: CheckpointId): string {
  return CHECKPOINTS.find((checkpoint) => checkpoint.id === id)!.title;
}
