/**
 * The AWS failures a user can fix, told apart: adapters wrap SDK errors with the operation as
 * context (`queue … not found: …`, `DynamoDbLedger.getJob(…) on tables …: …`), which makes a
 * missing credential, a missing queue and a missing table read alike. This walks the `cause`
 * chain to the SDK's error and names the problem with what to do about it. The SDK error names
 * are mapped here and nowhere else.
 */

/** What the pipeline commands were pointed at, for naming the missing thing. */
export interface AwsFailureTarget {
  readonly queuePrefix: string;
  readonly tableName: string;
  readonly eventsTableName: string;
}

export type AwsFailureKind = 'credentials' | 'queue' | 'table';

/** SDK error names (and SQS's query-protocol codes, which moto and older endpoints send) per kind. */
const KINDS: readonly (readonly [AwsFailureKind, ReadonlySet<string>])[] = [
  ['credentials', new Set(['CredentialsProviderError'])],
  ['queue', new Set(['QueueDoesNotExist', 'AWS.SimpleQueueService.NonExistentQueue'])],
  ['table', new Set(['ResourceNotFoundException'])],
];

interface Named {
  readonly name?: unknown;
  readonly Code?: unknown;
  readonly message?: unknown;
  readonly cause?: unknown;
}

/** The errors from the one thrown down to the SDK's, outermost first (cycles cut). */
const causeChain = (error: unknown): Named[] => {
  const chain: Named[] = [];
  for (let e = error; typeof e === 'object' && e !== null && !chain.includes(e); e = (e as Named).cause)
    chain.push(e as Named);
  return chain;
};

/** Which fixable failure an error is, looking through the causes; undefined for any other. */
export const awsFailureKind = (error: unknown): AwsFailureKind | undefined => {
  for (const e of causeChain(error))
    for (const [kind, names] of KINDS)
      if (names.has(String(e.name)) || names.has(String(e.Code))) return kind;
  return undefined;
};

/** The queue an adapter message names (`queue NAME (prefix …) not found`), if it names one. */
const queueNamed = (chain: readonly Named[]): string | undefined => {
  for (const e of chain) {
    const match = /\bqueue (\S+) \(prefix /.exec(String(e.message));
    if (match?.[1] !== undefined) return match[1];
  }
  return undefined;
};

/**
 * One line naming the failure and the fix, or undefined when the error is none of the three
 * (the caller then reports it as it is).
 */
export const awsFailureMessage = (error: unknown, target: AwsFailureTarget): string | undefined => {
  const kind = awsFailureKind(error);
  if (kind === undefined) return undefined;
  const chain = causeChain(error);
  if (kind === 'credentials') {
    const sdk = chain.find((e) => e.name === 'CredentialsProviderError');
    return (
      `no AWS credentials found (${String(sdk?.message)}): set AWS_PROFILE to a profile in ~/.aws/config ` +
      'or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY'
    );
  }
  if (kind === 'queue') {
    const queue = queueNamed(chain) ?? `with prefix ${JSON.stringify(target.queuePrefix)}`;
    return `queue ${queue} does not exist: is the stack deployed? see --queue-prefix (default: QM_QUEUE_PREFIX or quartermaster)`;
  }
  return (
    `table ${target.tableName} or ${target.eventsTableName} does not exist: is the stack deployed? ` +
    'see --table and --events-table (default: <queue-prefix>-ledger and <queue-prefix>-events)'
  );
};
