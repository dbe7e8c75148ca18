import { type Commitment, commitmentName } from '../commitments/commitment.js';
import { commitmentHours, type DrawnInterval } from './commitment-draw.js';

/**
 * Who pays for the part of a commitment nobody used. A commitment is bought for the account, but
 * finance charges it back to teams: to the team it was bought for when the commitments file says
 * so (`team`), else to the teams that drew on it in the window, in proportion to what each drew
 * (the "proportional" split of AWS Cost Categories' split charges). A commitment nobody drew on
 * and nobody owns stays unassigned, and the report says so rather than inventing an owner.
 */

/** What one team drew on one commitment inside the window: its intervals and their effective µ$. */
export interface TeamDraw {
  readonly team: string;
  readonly intervals: readonly DrawnInterval[];
  readonly effectiveMicros: number;
}

/** One commitment over the report window; micro-dollars, exact. */
export interface CommitmentCharge {
  readonly id: string;
  readonly name: string;
  readonly kind: Commitment['kind'];
  /** The team the file says it was bought for; `null` when it names none. */
  readonly owner: string | null;
  /** What the commitment's hours in the window cost, used or not. */
  readonly committedMicros: number;
  /** Of it, what jobs drew (capped per hour at the hour's cost). */
  readonly usedMicros: number;
  /** `committedMicros − usedMicros`. */
  readonly unusedMicros: number;
  /** The unused part charged to each team; sums to `unusedMicros` less `unassignedMicros`. */
  readonly unusedByTeam: ReadonlyMap<string, number>;
  /** Unused µ$ no team is charged: nobody owns it and nobody drew on it. */
  readonly unassignedMicros: number;
}

/**
 * Splits `total` µ$ over whole-number `weights` in proportion, exactly: floors first, then one µ$
 * each to the largest remainders (ties by key), so the parts add up to `total`. BigInt, because
 * µ$ × µ$ leaves the exact range of a double.
 */
export const apportionMicros = (total: number, weights: ReadonlyMap<string, number>): Map<string, number> => {
  const out = new Map<string, number>();
  const positive = [...weights.entries()].filter(([, w]) => w > 0);
  const sum = positive.reduce((a, [, w]) => a + BigInt(Math.round(w)), 0n);
  if (total <= 0 || sum === 0n) return out;
  const big = BigInt(total);
  const parts = positive.map(([key, w]) => {
    const scaled = big * BigInt(Math.round(w));
    return { key, floor: scaled / sum, rest: scaled % sum };
  });
  let left = big - parts.reduce((a, p) => a + p.floor, 0n);
  parts.sort((a, b) =>
    b.rest > a.rest ? 1 : b.rest < a.rest ? -1 : a.key < b.key ? -1 : a.key > b.key ? 1 : 0,
  );
  for (const p of parts) {
    const extra = left > 0n ? 1n : 0n;
    left -= extra;
    out.set(p.key, Number(p.floor + extra));
  }
  return out;
};

/**
 * Each commitment's cost over `[fromIso, toIso)`: committed, used and unused µ$, and who is charged
 * the unused part. `draws` holds, per commitment id, what each team drew in the window.
 * @throws RangeError when a commitment's rate is unknown (a reservation or block with no price)
 */
export const commitmentCharges = (
  commitments: readonly Commitment[],
  draws: ReadonlyMap<string, readonly TeamDraw[]>,
  fromIso: string,
  toIso: string,
): CommitmentCharge[] =>
  commitments.map((c): CommitmentCharge => {
    const teams = draws.get(c.id) ?? [];
    const hours = commitmentHours(
      c,
      teams.flatMap((t) => t.intervals),
      fromIso,
      toIso,
    );
    const committedMicros = hours.reduce((s, h) => s + h.committedMicros, 0);
    const usedMicros = hours.reduce((s, h) => s + h.usedMicros, 0);
    const unusedMicros = committedMicros - usedMicros;
    const owner = c.team ?? null;
    const weights = new Map<string, number>();
    if (owner !== null) weights.set(owner, 1);
    else for (const t of teams) weights.set(t.team, (weights.get(t.team) ?? 0) + t.effectiveMicros);
    const unusedByTeam = apportionMicros(unusedMicros, weights);
    const assigned = [...unusedByTeam.values()].reduce((a, b) => a + b, 0);
    return {
      id: c.id,
      name: commitmentName(c),
      kind: c.kind,
      owner,
      committedMicros,
      usedMicros,
      unusedMicros,
      unusedByTeam,
      unassignedMicros: unusedMicros - assigned,
    };
  });
