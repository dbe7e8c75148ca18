/**
 * The ledger's two tables, each described once. `createTable` (tests, local use, `qm`) and the
 * CDK construct both build the tables from these objects, so the deployed tables and the ones
 * the integration tests run against cannot drift apart. Key layout and access patterns:
 * docs/adr/0001-ledger-table-design.md; why job events have a table of their own:
 * docs/adr/0005-append-only-events.md.
 */

/** DynamoDB scalar attribute types used in key schemas. */
export type KeyAttributeType = 'S' | 'N' | 'B';

/** A hash key, optionally with a range key. */
export interface KeySchemaDefinition {
  readonly partitionKey: string;
  readonly sortKey: string;
}

/** A global secondary index projecting all attributes. */
export interface GlobalIndexDefinition extends KeySchemaDefinition {
  readonly indexName: string;
  readonly projection: 'ALL';
}

/** Everything needed to create the table, independent of any SDK or CDK type. */
export interface TableDefinition extends KeySchemaDefinition {
  /** Appended to a deployment prefix, e.g. `quartermaster` + `-ledger`. */
  readonly nameSuffix: string;
  readonly attributes: Readonly<Record<string, KeyAttributeType>>;
  readonly globalIndexes: readonly GlobalIndexDefinition[];
  /** Epoch-seconds attribute DynamoDB TTL deletes by; absent when nothing may ever expire. */
  readonly ttlAttribute?: string;
  /** The table's stream, when something reacts to its changes. */
  readonly streamView?: 'OLD_IMAGE';
  readonly billingMode: 'PAY_PER_REQUEST';
}

/** Attribute names, shared by the adapter and the table definition so a rename is one edit. */
export const LEDGER_ATTRIBUTES = {
  pk: 'pk',
  sk: 'sk',
  gsi1pk: 'gsi1pk',
  gsi1sk: 'gsi1sk',
  gsi2pk: 'gsi2pk',
  gsi2sk: 'gsi2sk',
  expiresAt: 'expiresAt',
} as const;

/** GSI1: jobs by state, highest priority then oldest first; also usage intervals by job. */
export const GSI1 = 'gsi1';
/** GSI2: jobs and usage intervals by team and month, for reports. */
export const GSI2 = 'gsi2';

/** The ledger table: everything but job events; two overloaded GSIs, on-demand billing. */
export const LEDGER_TABLE: TableDefinition = {
  nameSuffix: '-ledger',
  partitionKey: LEDGER_ATTRIBUTES.pk,
  sortKey: LEDGER_ATTRIBUTES.sk,
  attributes: {
    [LEDGER_ATTRIBUTES.pk]: 'S',
    [LEDGER_ATTRIBUTES.sk]: 'S',
    [LEDGER_ATTRIBUTES.gsi1pk]: 'S',
    [LEDGER_ATTRIBUTES.gsi1sk]: 'S',
    [LEDGER_ATTRIBUTES.gsi2pk]: 'S',
    [LEDGER_ATTRIBUTES.gsi2sk]: 'S',
  },
  globalIndexes: [
    {
      indexName: GSI1,
      partitionKey: LEDGER_ATTRIBUTES.gsi1pk,
      sortKey: LEDGER_ATTRIBUTES.gsi1sk,
      projection: 'ALL',
    },
    {
      indexName: GSI2,
      partitionKey: LEDGER_ATTRIBUTES.gsi2pk,
      sortKey: LEDGER_ATTRIBUTES.gsi2sk,
      projection: 'ALL',
    },
  ],
  ttlAttribute: LEDGER_ATTRIBUTES.expiresAt,
  billingMode: 'PAY_PER_REQUEST',
};

/**
 * The job events table: `pk=JOB#<jobId>`, `sk=EVENT#<seq:8>` (`ledgerKeys.event`). Writers may
 * only PutItem here (ADR 0005); no TTL, because no event may ever disappear. Its stream carries
 * the old image so that any MODIFY or REMOVE record (tampering by definition) shows what was lost.
 */
export const EVENTS_TABLE: TableDefinition = {
  nameSuffix: '-events',
  partitionKey: LEDGER_ATTRIBUTES.pk,
  sortKey: LEDGER_ATTRIBUTES.sk,
  attributes: {
    [LEDGER_ATTRIBUTES.pk]: 'S',
    [LEDGER_ATTRIBUTES.sk]: 'S',
  },
  globalIndexes: [],
  streamView: 'OLD_IMAGE',
  billingMode: 'PAY_PER_REQUEST',
};

/** Highest job priority the request schema allows; GSI1 sorts by `MAX_PRIORITY - priority`. */
const MAX_PRIORITY = 1000;

const pad = (value: number, width: number): string => String(value).padStart(width, '0');

/**
 * Key builders. Every key string the adapter writes comes from here, so the ADR's table of
 * access patterns can be checked against one file.
 */
export const ledgerKeys = {
  job: (jobId: string) => ({ pk: `JOB#${jobId}`, sk: 'JOB' }),
  /** On the events table (`EVENTS_TABLE`), not the ledger table. */
  event: (jobId: string, seq: number) => ({ pk: `JOB#${jobId}`, sk: `EVENT#${pad(seq, 8)}` }),
  eventPrefix: 'EVENT#',
  /** A budget chain's events (ADR 0010), on the events table beside the jobs'. */
  budgetEvent: (team: string, period: string, seq: number) => ({
    pk: `BUDGET#${team}#${period}`,
    sk: `EVENT#${pad(seq, 8)}`,
  }),
  jobsByState: (state: string) => `STATE#${state}`,
  /** Lexicographic order = priority descending, then oldest first, then jobId. */
  jobStateSort: (priority: number, createdAt: string, jobId: string) =>
    `${pad(MAX_PRIORITY - priority, 4)}#${createdAt}#${jobId}`,
  teamPeriod: (team: string, period: string) => `TEAM#${team}#${period}`,
  jobTeamSort: (createdAt: string, jobId: string) => `JOB#${createdAt}#${jobId}`,
  jobTeamPrefix: 'JOB#',
  usageTeamSort: (startedAt: string, instanceId: string) => `USAGE#${startedAt}#${instanceId}`,
  usageTeamPrefix: 'USAGE#',
  rejection: (messageId: string) => ({ pk: `REJECTED#${messageId}`, sk: 'REJECTED' }),
  launchClaim: (allocationId: string) => ({ pk: `CLAIM#${allocationId}`, sk: 'LAUNCH' }),
  usage: (instanceId: string) => ({ pk: `INSTANCE#${instanceId}`, sk: 'USAGE' }),
  usageByJob: (jobId: string) => `USAGE#JOB#${jobId}`,
  usageByJobSort: (startedAt: string, instanceId: string) => `${startedAt}#${instanceId}`,
  budget: (team: string, period: string) => ({ pk: `BUDGET#${team}`, sk: `PERIOD#${period}` }),
  reservation: (team: string, allocationId: string) => ({
    pk: `BUDGET#${team}`,
    sk: `RESERVATION#${allocationId}`,
  }),
  priceBookMeta: (bookId: string) => ({ pk: `PRICEBOOK#${bookId}`, sk: 'META' }),
  priceBookChunk: (bookId: string, index: number) => ({
    pk: `PRICEBOOK#${bookId}`,
    sk: `CHUNK#${pad(index, 4)}`,
  }),
  priceBookChunkPrefix: 'CHUNK#',
  priceBookIndex: (storedAt: string, bookId: string) => ({ pk: 'PRICEBOOKS', sk: `${storedAt}#${bookId}` }),
  priceBookIndexPk: 'PRICEBOOKS',
  unavailableOffer: (offerId: string) => ({ pk: 'UNAVAILABLE', sk: `OFFER#${offerId}` }),
  unavailablePk: 'UNAVAILABLE',
} as const;
