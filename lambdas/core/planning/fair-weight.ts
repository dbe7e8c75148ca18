/** Past GPU usage of a team: vCPU-hours of quota held by a run that ended at `endedAtMs`. */
export interface UsageSample {
  readonly endedAtMs: number;
  readonly vcpuHours: number;
}

/** Half-life of past usage in the fair-share weight: a week, so last week counts half as much as today. */
export const DEFAULT_USAGE_HALF_LIFE_HOURS = 168;

const HOUR_MS = 3_600_000;

/**
 * Usage with exponential decay: each sample counts `vcpuHours × 2^(−age / halfLife)`. Samples from
 * the future (clock skew) count at full weight rather than more.
 */
export const decayedUsage = (
  samples: readonly UsageSample[],
  nowMs: number,
  halfLifeHours: number = DEFAULT_USAGE_HALF_LIFE_HOURS,
): number => {
  if (!(halfLifeHours > 0)) throw new RangeError(`halfLifeHours must be > 0, got ${halfLifeHours}`);
  let total = 0;
  for (const s of samples) {
    if (!(s.vcpuHours >= 0)) throw new RangeError(`usage sample vcpuHours must be >= 0, got ${s.vcpuHours}`);
    const ageHours = Math.max(0, (nowMs - s.endedAtMs) / HOUR_MS);
    total += s.vcpuHours * 2 ** (-ageHours / halfLifeHours);
  }
  return total;
};

/**
 * Fair-share weights after past usage: `w_eff = w / (1 + u / U)`, where `u` is the team's decayed
 * usage and `U` the normaliser, by default the mean decayed usage of the teams that have any (so a
 * team at the mean counts half). One `U` for all teams keeps the rule monotone: more past usage
 * never means a larger weight. Without history every weight is returned unchanged.
 */
export const effectiveWeights = (
  weights: ReadonlyMap<string, number>,
  history: ReadonlyMap<string, readonly UsageSample[]> | undefined,
  nowMs: number,
  options: { readonly halfLifeHours?: number; readonly usageScaleVcpuHours?: number } = {},
): Map<string, number> => {
  const out = new Map(weights);
  if (history === undefined || history.size === 0) return out;
  const usage = new Map<string, number>();
  for (const team of weights.keys())
    usage.set(team, decayedUsage(history.get(team) ?? [], nowMs, options.halfLifeHours));
  const positive = [...usage.values()].filter((u) => u > 0);
  if (positive.length === 0) return out;
  const scale = options.usageScaleVcpuHours ?? positive.reduce((a, b) => a + b, 0) / positive.length;
  if (!(scale > 0)) throw new RangeError(`usageScaleVcpuHours must be > 0, got ${scale}`);
  for (const [team, w] of weights) out.set(team, w / (1 + (usage.get(team) ?? 0) / scale));
  return out;
};
