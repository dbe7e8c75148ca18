/**
 * Errors that mean this account may not make a call at all (no IAM permission, an account not
 * opted in, an SCP): retrying cannot help, so optional reads (placement scores, commitments)
 * report them as unavailable rather than as a failed call.
 */
const NOT_ALLOWED = new Set([
  'UnauthorizedOperation',
  'AccessDenied',
  'AccessDeniedException',
  'AuthFailure',
  'OptInRequired',
]);

/** The SDK error's name (its AWS error code), or `Unknown` for something that is not an Error. */
export const errorCodeOf = (err: unknown): string => (err instanceof Error ? err.name : 'Unknown');

const httpStatusOf = (err: unknown): number | undefined =>
  (err as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;

/** True for a refusal of the caller: one of the codes above, or any HTTP 403. */
export const isNotAllowed = (err: unknown): boolean =>
  NOT_ALLOWED.has(errorCodeOf(err)) || httpStatusOf(err) === 403;
