import { CloudApiError, CommitmentsUnavailableError } from '../core/cloud-ports.js';
import type { Commitment, CommitmentKind } from '../core/commitments/commitment.js';
import type { QuartermasterError } from '../core/errors.js';
import { errorCodeOf, isNotAllowed } from './aws-not-allowed.js';

/**
 * What reading one kind of commitment from AWS found: the commitments the planner can use, and
 * the ones it cannot, each with the reason, so a reviewer sees what was left out and why.
 */
export interface CommitmentRead {
  readonly commitments: readonly Commitment[];
  readonly skipped: readonly SkippedCommitment[];
}

/** A commitment the account holds that the commitments model cannot state or the planner cannot use. */
export interface SkippedCommitment {
  readonly id: string;
  readonly kind: CommitmentKind;
  readonly reason: string;
}

/** One AWS object mapped: a commitment, or why it was left out. */
export type Mapped =
  | { readonly ok: true; readonly commitment: Commitment }
  | { readonly ok: false; readonly skipped: SkippedCommitment };

/** Gathers mapped objects into a {@link CommitmentRead}. */
export const gather = (mapped: readonly Mapped[]): CommitmentRead => ({
  commitments: mapped.flatMap((m) => (m.ok ? [m.commitment] : [])),
  skipped: mapped.flatMap((m) => (m.ok ? [] : [m.skipped])),
});

/**
 * The error a failed read becomes: {@link CommitmentsUnavailableError} when the account may not
 * make the call (reading commitments is optional), {@link CloudApiError} otherwise.
 */
export const commitmentCallError = (
  operation: string,
  region: string,
  err: unknown,
  detail: string,
): QuartermasterError => {
  const code = errorCodeOf(err);
  return isNotAllowed(err)
    ? new CommitmentsUnavailableError(region, code, `${operation}: ${detail}`, { cause: err })
    : new CloudApiError(operation, region, code, detail, { cause: err });
};

/** The commitments file's limit on a display name. */
const NAME_LENGTH = 200;

/** The `Name` tag, the display name reports show; `{}` when there is none. */
export const nameFrom = (name: string | undefined): { name?: string } =>
  name === undefined || name.trim() === '' ? {} : { name: name.slice(0, NAME_LENGTH) };

/** An SDK date or an ISO-like string as an ISO instant; `undefined` when it is not a date. */
export const instantOf = (value: Date | string | undefined): string | undefined => {
  if (value === undefined) return undefined;
  const at = value instanceof Date ? value : new Date(value);
  return Number.isNaN(at.getTime()) ? undefined : at.toISOString();
};

/** One page of a token-paged read: its items and the token of the next page. */
export interface Page<T> {
  readonly items: readonly T[] | undefined;
  readonly next: string | undefined;
}

/**
 * Every page of a token-paged call, read one after another; a failed call becomes the error
 * {@link commitmentCallError} names (`operation`, `what`), so each reader states only its request.
 */
export const readAllPages = async <T>(
  operation: string,
  region: string,
  what: string,
  page: (token: string | undefined) => Promise<Page<T>>,
): Promise<T[]> => {
  const out: T[] = [];
  let token: string | undefined;
  do {
    let read: Page<T>;
    try {
      read = await page(token);
    } catch (err) {
      throw commitmentCallError(operation, region, err, what);
    }
    out.push(...(read.items ?? []));
    token = read.next;
  } while (token !== undefined && token !== '');
  return out;
};
