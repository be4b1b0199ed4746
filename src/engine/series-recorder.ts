/** One point of a recorded series: [milliseconds since the scenario started, value or null for no data]. */
export type SeriesPoint = [number, number | null];

/**
 * Records several series sampled together, over a whole scenario, in bounded memory: when a series
 * reaches twice `maxPoints`, every other point is dropped, so an hour-long game day keeps its baseline
 * and its fault at a coarser step rather than only its last minutes.
 */
export class SeriesRecorder<Name extends string> {
  private readonly points = new Map<Name, SeriesPoint[]>();
  /** Only every `stride`-th sample is kept; doubled each time the series are halved. */
  private stride = 1;
  private samples = 0;

  constructor(
    names: readonly Name[],
    private readonly maxPoints: number,
  ) {
    for (const name of names) this.points.set(name, []);
  }

  record(atMs: number, values: Partial<Record<Name, number>>): void {
    this.samples += 1;
    if ((this.samples - 1) % this.stride !== 0) return;
    for (const [name, points] of this.points) points.push([atMs, values[name] ?? null]);
    const length = this.points.values().next().value?.length ?? 0;
    if (length >= this.maxPoints * 2) {
      for (const [name, points] of this.points)
        this.points.set(
          name,
          points.filter((_, i) => i % 2 === 0),
        );
      this.stride *= 2;
    }
  }

  series(): Record<Name, SeriesPoint[]> {
    return Object.fromEntries(this.points) as Record<Name, SeriesPoint[]>;
  }
}
