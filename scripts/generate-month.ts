/**
 * Writes a generated month of job requests for `qm simulate --jobs` and `qm plan`: a JSONL jobs
 * file plus the quotas and budgets files sized for it.
 *
 *   npm run workload:month -- --jobs 1000 --out-dir month-1000 [--seed 7] [--days 30]
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { monthWorkload } from '../test/bench/month-workload.js';

const positiveInt = (raw: string): number => {
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1)
    throw new InvalidArgumentError(`expected a whole number ≥ 1, got "${raw}"`);
  return value;
};

const program = new Command('generate-month')
  .requiredOption('--jobs <n>', 'how many jobs', positiveInt)
  .requiredOption('--out-dir <dir>', 'where jobs.jsonl, quotas.json and budgets.json go')
  .option('--seed <n>', 'random seed', positiveInt, 7)
  .option('--days <n>', 'days the submissions spread over', positiveInt, 30)
  .action(async (o: { jobs: number; outDir: string; seed: number; days: number }) => {
    const month = monthWorkload(o.jobs, o.seed, o.days);
    await mkdir(o.outDir, { recursive: true });
    await writeFile(join(o.outDir, 'jobs.jsonl'), `${month.jobs.map((j) => JSON.stringify(j)).join('\n')}\n`);
    const quotas = {
      asOf: new Date(month.startMs).toISOString().slice(0, 10),
      description: `generated for ${o.jobs} jobs (seed ${o.seed}): home-region pools sized to bind at peaks, others unlimited`,
      defaultVcpus: month.quotas.defaultVcpus,
      quotas: [...month.quotas.limits].map(([key, vcpus]) => {
        const [region, cls] = key.split('|');
        return { region, class: cls, vcpus };
      }),
    };
    await writeFile(join(o.outDir, 'quotas.json'), `${JSON.stringify(quotas, null, 2)}\n`);
    await writeFile(join(o.outDir, 'budgets.json'), `${JSON.stringify(month.budgets, null, 2)}\n`);
    process.stderr.write(
      `wrote ${month.jobs.length} jobs submitted over ${o.days} days from ${new Date(month.startMs).toISOString()} to ${o.outDir}\n`,
    );
  });

await program.parseAsync();
