/** Median and spread of repeated measurements; benchmarks report these, never a single run. */
export interface Summary {
  readonly median: number;
  /** Interquartile range: p25 to p75. */
  readonly p25: number;
  readonly p75: number;
  readonly runs: number;
}

export function summarize(samples: readonly number[]): Summary {
  if (samples.length === 0) throw new Error('No samples to summarize');
  const sorted = [...samples].sort((a, b) => a - b);
  return { median: quantile(sorted, 0.5), p25: quantile(sorted, 0.25), p75: quantile(sorted, 0.75), runs: sorted.length };
}

/** The `q` quantile (0 to 1) of `samples`, interpolated: `percentile(samples, 0.95)` is the p95. */
export function percentile(samples: readonly number[], q: number): number {
  if (samples.length === 0) throw new Error('No samples to take a percentile of');
  return quantile([...samples].sort((a, b) => a - b), q);
}

function quantile(sorted: readonly number[], q: number): number {
  const position = (sorted.length - 1) * q;
  const below = Math.floor(position);
  const above = Math.ceil(position);
  const low = sorted[below] ?? 0;
  const high = sorted[above] ?? low;
  return low + (high - low) * (position - below);
}

/**
 * Runs `subject` and `baseline` in alternating rounds (so drift on a busy
 * machine hits both alike) and returns each one's per-operation time in
 * milliseconds, one sample per round. Each side's operations are numbered
 * 1, 2, ... across its rounds, warm-up included.
 */
export async function compare(
  options: { rounds: number; operationsPerRound: number; warmupRounds?: number },
  baseline: (operation: number) => Promise<unknown>,
  subject: (operation: number) => Promise<unknown>,
): Promise<{ baseline: Summary; subject: Summary; ratio: Summary }> {
  const baselineSamples: number[] = [];
  const subjectSamples: number[] = [];
  // Each side numbers its own operations from 1, so each can use fresh inputs.
  const counters = new Map<unknown, number>();
  const round = async (run: (operation: number) => Promise<unknown>): Promise<number> => {
    const started = performance.now();
    for (let i = 0; i < options.operationsPerRound; i += 1) {
      const operation = (counters.get(run) ?? 0) + 1;
      counters.set(run, operation);
      await run(operation);
    }
    return (performance.now() - started) / options.operationsPerRound;
  };
  for (let i = 0; i < (options.warmupRounds ?? 1); i += 1) {
    await round(baseline);
    await round(subject);
  }
  for (let i = 0; i < options.rounds; i += 1) {
    baselineSamples.push(await round(baseline));
    subjectSamples.push(await round(subject));
  }
  const ratios = subjectSamples.map((sample, index) => sample / (baselineSamples[index] ?? sample));
  return { baseline: summarize(baselineSamples), subject: summarize(subjectSamples), ratio: summarize(ratios) };
}
