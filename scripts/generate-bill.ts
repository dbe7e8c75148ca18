/**
 * Writes an AWS Data Exports bill for a ledger export, with differences injected on purpose, and
 * a JSON record of what was injected (the differences `qm reconcile-bill` should find, no more):
 *
 *   npx tsx scripts/generate-bill.ts --ledger LEDGER.jsonl --out bill.csv.gz [--format cur2|focus12]
 *     [--container csv|csv.gz|parquet] [--injected injected.json] [--seed 1]
 *     [--leaks 3] [--missing 3] [--spot-moves 3] [--savings-plans 2] [--reservations 2] [--unmanaged 2]
 *
 * A ledger to start from: `examples/ledger-month.jsonl`, or a generated month run through the
 * twin (`scripts/generate-month.ts --jobs N --out-dir DIR`, then `qm simulate --jobs DIR/jobs.jsonl
 * … --ledger-out LEDGERS`). Parquet is built in memory: for fixtures, not for a month of 10,000 jobs.
 */
import { createReadStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { Command, InvalidArgumentError } from 'commander';
import { type LedgerUsage, parseLedgerLines } from '../lambdas/core/ledger/ledger-export.js';
import { type GeneratedBillFormat, planBill } from '../test/support/bill-generator.js';
import { type BillFileKind, writeBillFile } from '../test/support/bill-writer.js';

const count = (raw: string): number => {
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0)
    throw new InvalidArgumentError(`expected a whole number ≥ 0, got "${raw}"`);
  return value;
};

interface Options {
  ledger: string;
  out: string;
  format: GeneratedBillFormat;
  container: BillFileKind;
  injected?: string;
  seed: number;
  leaks: number;
  missing: number;
  spotMoves: number;
  savingsPlans: number;
  reservations: number;
  unmanaged: number;
}

const program = new Command('generate-bill')
  .requiredOption('--ledger <file>', 'ledger export (JSONL) whose usage the bill charges')
  .requiredOption('--out <file>', 'where the bill goes')
  .option('--format <format>', 'cur2 | focus12', 'cur2')
  .option('--container <kind>', 'csv | csv.gz | parquet', 'csv.gz')
  .option('--injected <file>', 'where the record of injected differences goes (JSON)')
  .option('--seed <n>', 'random seed', count, 1)
  .option('--leaks <n>', 'managed instances the ledger does not know', count, 3)
  .option('--missing <n>', 'instances with two hours the bill leaves out', count, 3)
  .option('--spot-moves <n>', 'spot instance-hours whose price moves half-way', count, 3)
  .option('--savings-plans <n>', 'on-demand instances with three hours under a Savings Plan', count, 2)
  .option('--reservations <n>', 'on-demand instances with three hours under a reservation', count, 2)
  .option('--unmanaged <n>', 'instances of other workloads (no managed tags)', count, 2)
  .action(async (o: Options) => {
    if (o.format !== 'cur2' && o.format !== 'focus12')
      throw new InvalidArgumentError('--format: cur2 | focus12');
    if (!['csv', 'csv.gz', 'parquet'].includes(o.container))
      throw new InvalidArgumentError('--container: csv | csv.gz | parquet');
    const usages: LedgerUsage[] = [];
    const lines = createInterface({
      input: createReadStream(o.ledger, 'utf8'),
      crlfDelay: Number.POSITIVE_INFINITY,
    });
    for await (const record of parseLedgerLines(lines, o.ledger))
      if (record.kind === 'usage') usages.push(record);
    const plan = planBill(usages, o.format, {
      seed: o.seed,
      injections: {
        leaks: o.leaks,
        missing: o.missing,
        spotMoves: o.spotMoves,
        savingsPlans: o.savingsPlans,
        reservations: o.reservations,
        unmanaged: o.unmanaged,
      },
    });
    await writeBillFile(plan, o.out, o.container);
    const record = {
      ledger: o.ledger,
      bill: o.out,
      format: o.format,
      period: plan.period,
      injected: plan.injected,
    };
    if (o.injected !== undefined) await writeFile(o.injected, `${JSON.stringify(record, null, 2)}\n`);
    process.stderr.write(
      `wrote ${o.out} (${o.format}, ${o.container}) for ${usages.length} usage records, ${plan.injected.length} injected differences\n`,
    );
  });

await program.parseAsync();
