import * as z from 'zod/mini';
import type { LedgerJob, LedgerRecord } from '../ledger/ledger-export.js';

/**
 * `qm explain`: why a job runs where it runs (or waits), from the decision records in its events:
 * the candidates and prices considered, the choice, the binding constraint, and the price book
 * (id and as-of) the prices came from.
 */

const CandidateSchema = z.looseObject({
  offerId: z.string(),
  instanceType: z.string(),
  region: z.string(),
  availabilityZone: z.nullable(z.string()),
  purchaseOption: z.string(),
  nodes: z.number(),
  unitPriceUsdPerHour: z.number(),
  expectedHours: z.number(),
  expectedCostUsd: z.number(),
  onDemandEquivalentUsd: z.number(),
});
export type ExplainedCandidate = z.output<typeof CandidateSchema>;

const DecisionSchema = z.looseObject({
  jobId: z.string(),
  team: z.string(),
  candidatesConsidered: z.number(),
  candidates: z.array(CandidateSchema),
  chosen: z.nullable(CandidateSchema),
  binding: z.nullable(z.looseObject({ kind: z.string(), constraint: z.string(), detail: z.string() })),
  priceBookId: z.string(),
  priceBookAsOf: z.optional(z.string()),
});

/** One decision about a job, as recorded in its event chain. */
export interface ExplainedDecision {
  readonly seq: number;
  readonly at: string;
  readonly eventType: string;
  readonly allocationId: string | null;
  readonly candidatesConsidered: number;
  readonly candidates: readonly ExplainedCandidate[];
  readonly chosen: ExplainedCandidate | null;
  readonly binding: { readonly kind: string; readonly constraint: string; readonly detail: string } | null;
  readonly priceBookId: string;
  /** From the decision, else from the job's allocation of the same book; `null` when unknown. */
  readonly priceBookAsOf: string | null;
}

export interface JobExplanation {
  readonly jobId: string;
  readonly job: LedgerJob | null;
  readonly events: number;
  readonly decisions: readonly ExplainedDecision[];
  /** Events whose `decision` is not a decision record, by seq (reported, never dropped). */
  readonly unreadable: readonly number[];
}

/**
 * Collects a job's decisions from a ledger export in one pass; other jobs' records are skipped.
 * Returns `undefined` when the export knows nothing of the job.
 */
export const explainJob = async (
  records: AsyncIterable<LedgerRecord> | Iterable<LedgerRecord>,
  jobId: string,
): Promise<JobExplanation | undefined> => {
  let job: LedgerJob | null = null;
  let events = 0;
  const found: Omit<ExplainedDecision, 'priceBookAsOf'>[] = [];
  const asOfInDecision = new Map<number, string>();
  const unreadable: number[] = [];
  for await (const record of records) {
    if ((record.kind !== 'job' && record.kind !== 'event') || record.jobId !== jobId) continue;
    if (record.kind === 'job') {
      job = record;
      continue;
    }
    events += 1;
    const raw = record.data.decision;
    if (raw === undefined) continue;
    const parsed = DecisionSchema.safeParse(raw);
    if (!parsed.success) {
      unreadable.push(record.seq);
      continue;
    }
    const d = parsed.data;
    if (d.priceBookAsOf !== undefined) asOfInDecision.set(record.seq, d.priceBookAsOf);
    const allocationId = record.data.allocationId;
    found.push({
      seq: record.seq,
      at: record.at,
      eventType: record.type,
      allocationId: typeof allocationId === 'string' ? allocationId : null,
      candidatesConsidered: d.candidatesConsidered,
      candidates: d.candidates,
      chosen: d.chosen,
      binding: d.binding,
      priceBookId: d.priceBookId,
    });
  }
  if (job === null && events === 0) return undefined;
  const allocation = job?.allocation ?? null;
  const decisions = found
    .sort((a, b) => a.seq - b.seq)
    .map((d) => ({
      ...d,
      priceBookAsOf:
        asOfInDecision.get(d.seq) ??
        (allocation !== null && allocation.priceBookId === d.priceBookId
          ? (allocation.priceBookAsOf ?? null)
          : null),
    }));
  return { jobId, job, events, decisions, unreadable };
};

const money = (usd: number) => `$${usd.toFixed(2)}`;
const pad = (rows: string[][]): string[] => {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows.map((r) =>
    r
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd(),
  );
};

/** Plain-text explanation for a terminal. Control characters in stored text are shown escaped. */
export const formatExplanation = (e: JobExplanation): string => {
  // A terminal would act on escape sequences hidden in stored text.
  const safe = (s: string) =>
    // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
    s.replace(/[\u0000-\u001f\u007f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  const lines: string[] = [];
  const job = e.job;
  lines.push(
    job === null
      ? `Job ${safe(e.jobId)} (no job record in this export; ${e.events} events)`
      : `Job ${safe(e.jobId)}  team ${safe(job.team)}  project ${safe(job.project)}  priority ${job.priority}  state ${safe(job.state)}  (${e.events} events)`,
  );
  if (e.decisions.length === 0) lines.push('', 'No decision record in its events.');
  for (const d of e.decisions) {
    lines.push(
      '',
      `Decision at ${safe(d.at)} (event ${d.seq}, ${safe(d.eventType)}${d.allocationId === null ? '' : `, allocation ${safe(d.allocationId)}`})`,
      `  price book ${safe(d.priceBookId)}, prices as of ${d.priceBookAsOf === null ? 'unknown' : safe(d.priceBookAsOf)}`,
      `  ${d.candidatesConsidered} candidates considered; the ${d.candidates.length} cheapest:`,
    );
    const header = [
      '',
      'instance type',
      'region',
      'zone',
      'option',
      'nodes',
      'price/h',
      'hours',
      'expected',
      'on-demand eq.',
    ];
    const rows = d.candidates.map((c) => [
      d.chosen !== null && c.offerId === d.chosen.offerId ? '→' : ' ',
      safe(c.instanceType),
      safe(c.region),
      safe(c.availabilityZone ?? '—'),
      safe(c.purchaseOption),
      String(c.nodes),
      `$${c.unitPriceUsdPerHour.toFixed(4)}`,
      c.expectedHours.toFixed(1),
      money(c.expectedCostUsd),
      money(c.onDemandEquivalentUsd),
    ]);
    for (const line of pad([header, ...rows])) lines.push(`    ${line}`);
    lines.push(
      d.chosen === null
        ? '  chosen: none (the job waits)'
        : `  chosen: ${safe(d.chosen.instanceType)} ${safe(d.chosen.purchaseOption)} in ${safe(d.chosen.availabilityZone ?? d.chosen.region)} at $${d.chosen.unitPriceUsdPerHour.toFixed(4)}/h, expected ${money(d.chosen.expectedCostUsd)}`,
      d.binding === null
        ? '  binding constraint: none'
        : `  binding constraint: ${safe(d.binding.kind)} (${safe(d.binding.constraint)}): ${safe(d.binding.detail)}`,
    );
  }
  if (e.unreadable.length > 0)
    lines.push('', `Unreadable decision data in events: ${e.unreadable.join(', ')}`);
  return lines.join('\n');
};
