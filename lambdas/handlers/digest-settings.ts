/**
 * The digest function's settings, shared by its handler and the CDK construct without pulling the
 * handler's SDK clients into the synth.
 */

/** Environment variables the CDK construct sets for the digest function only. */
export const DIGEST_KEY_ENV = 'QM_DIGEST_KEY_ID';
export const DIGEST_PREFIX_ENV = 'QM_DIGEST_PREFIX';
export const DIGEST_SETTLE_ENV = 'QM_DIGEST_SETTLE_SECONDS';

/** Where digests go in the export bucket. */
export const DEFAULT_DIGEST_PREFIX = 'digests/';

/**
 * How far behind the clock a digest ends: a ledger write stamps its events before it commits, so
 * an interval is closed only once writes stamped inside it have committed (seconds; two minutes
 * is far beyond a handler's transaction).
 */
export const DEFAULT_SETTLE_SECONDS = 120;
