import { type BillReconciliation, type BillRows, reconcileBill } from '../accounting/bill-reconciliation.js';
import { concatBillRows } from '../accounting/bill-rows.js';
import type { LedgerRecord } from '../ledger/ledger-export.js';
import type { Period } from '../ports.js';
import { renderBillReconciliationPage } from '../reports/bill-reconciliation-page.js';

/**
 * The monthly bill reconciliation of a deployment: last month's AWS Data Exports files (from the
 * bucket the export delivers to) held against the ledger's records for the month, written as
 * JSON and an HTML page beside the monthly export. The files and the writer are ports; this
 * decides which files are the period's and what is written.
 */

/** Where the export's files are: their keys, and each one opened as rows. */
export interface BillFileSource {
  readonly keys: () => AsyncIterable<string>;
  readonly open: (key: string) => Promise<BillRows>;
}

export interface BillPeriodObject {
  readonly key: string;
  readonly body: string;
  readonly contentType: string;
}

export interface BillPeriodResult {
  readonly period: Period;
  /** The bill files reconciled, in key order. */
  readonly files: readonly string[];
  /** `null` when the export holds no file for the period yet. */
  readonly reconciliation: BillReconciliation | null;
  readonly objects: readonly BillPeriodObject[];
}

const DATA_FILE = /\.(csv|csv\.gz|gz|parquet)$/i;

/**
 * A data file of `period`: Data Exports writes them under `…/data/BILLING_PERIOD=yyyy-mm/`
 * (manifests and metadata elsewhere are not bills).
 */
export const isBillDataKey = (key: string, period: Period): boolean =>
  key.includes(`/BILLING_PERIOD=${period}/`) && DATA_FILE.test(key);

export const reconcileBillPeriod = async (input: {
  readonly period: Period;
  readonly ledger: AsyncIterable<LedgerRecord> | Iterable<LedgerRecord>;
  readonly bill: BillFileSource;
  /** The bucket and prefix, to name the bill in the output. */
  readonly billSource: string;
  readonly generatedAt: string;
}): Promise<BillPeriodResult> => {
  const files: string[] = [];
  for await (const key of input.bill.keys()) if (isBillDataKey(key, input.period)) files.push(key);
  files.sort();
  if (files.length === 0) return { period: input.period, files, reconciliation: null, objects: [] };
  const bill = await concatBillRows(
    `${input.billSource} (${files.length} file${files.length === 1 ? '' : 's'} of ${input.period})`,
    files.map((key) => () => input.bill.open(key)),
  );
  const reconciliation = await reconcileBill(input.ledger, bill);
  const base = `exports/${input.period}/bill-reconciliation`;
  return {
    period: input.period,
    files,
    reconciliation,
    objects: [
      {
        key: `${base}.json`,
        body: `${JSON.stringify(reconciliation, null, 2)}\n`,
        contentType: 'application/json',
      },
      {
        key: `${base}.html`,
        body: renderBillReconciliationPage(reconciliation, { generatedAt: input.generatedAt }),
        contentType: 'text/html; charset=utf-8',
      },
    ],
  };
};
