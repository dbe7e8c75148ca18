/**
 * The domain error hierarchy. Adapters translate storage-specific failures (a failed DynamoDB
 * condition, a cancelled transaction) into these, so handlers branch on meaning, not on SDK codes.
 * Every subclass sets `name` and carries the fields a caller needs to react.
 */

/** Base of every error the domain raises on purpose. */
export class QuartermasterError extends Error {
  override readonly name: string = 'QuartermasterError';
}

/** A job with this id is already in the ledger (jobId is the client's idempotency key). */
export class JobAlreadyExistsError extends QuartermasterError {
  override readonly name = 'JobAlreadyExistsError';
  constructor(
    readonly jobId: string,
    options?: ErrorOptions,
  ) {
    super(`job ${jobId} already exists`, options);
  }
}

/** A versioned write lost: someone else changed the record since the caller read it. */
export class VersionConflictError extends QuartermasterError {
  override readonly name = 'VersionConflictError';
  constructor(
    readonly entity: string,
    readonly id: string,
    readonly expectedVersion: number,
    /** The version found, when the adapter could tell; `undefined` otherwise. */
    readonly actualVersion: number | undefined,
    options?: ErrorOptions,
  ) {
    super(
      `${entity} ${id}: expected version ${expectedVersion}, found ${actualVersion ?? 'a different one'}`,
      options,
    );
  }
}

/** A reservation would take a team's budget for a period below zero. */
export class BudgetExceededError extends QuartermasterError {
  override readonly name = 'BudgetExceededError';
  constructor(
    readonly team: string,
    readonly period: string,
    readonly requestedUsd: number,
    /** What was left when the reservation failed, when the adapter could tell. */
    readonly availableUsd: number | undefined,
    options?: ErrorOptions,
  ) {
    super(
      `budget of team ${team} for ${period}: cannot reserve ${requestedUsd} USD` +
        (availableUsd === undefined ? '' : `, ${availableUsd} USD available`),
      options,
    );
  }
}

/** A job state change the state machine does not allow. */
export class InvalidTransitionError extends QuartermasterError {
  override readonly name = 'InvalidTransitionError';
  constructor(
    readonly from: string,
    readonly to: string,
    readonly jobId: string | undefined,
    detail?: string,
    options?: ErrorOptions,
  ) {
    super(
      `${jobId === undefined ? 'job' : `job ${jobId}`}: cannot go from ${from} to ${to}` +
        (detail === undefined ? '' : ` (${detail})`),
      options,
    );
  }
}

/** A record the caller named does not exist. */
export class NotFoundError extends QuartermasterError {
  override readonly name = 'NotFoundError';
  constructor(
    readonly entity: string,
    readonly id: string,
    options?: ErrorOptions,
  ) {
    super(`${entity} ${id} not found`, options);
  }
}

/** Stored data that fails its own integrity checks (a broken event chain, a partial price book). */
export class CorruptRecordError extends QuartermasterError {
  override readonly name = 'CorruptRecordError';
  constructor(
    readonly entity: string,
    readonly id: string,
    detail: string,
    options?: ErrorOptions,
  ) {
    super(`${entity} ${id} is corrupt: ${detail}`, options);
  }
}

/**
 * Another delivery holds the launch claim of an allocation and may still be launching: this one
 * must not launch too. Thrown so the message comes back later, when the other delivery has
 * recorded its instances or its claim has run out.
 */
export class LaunchInProgressError extends QuartermasterError {
  override readonly name = 'LaunchInProgressError';
  constructor(
    readonly allocationId: string,
    readonly jobId: string,
  ) {
    super(
      `allocation ${allocationId} of job ${jobId} is being launched by another delivery; try again later`,
    );
  }
}
