import type { LedgerVerdict } from '../../lambdas/core/audit/ledger-verifier.js';
import type { NotCovered, RecordFinding } from '../../lambdas/core/audit/record-cross-check.js';
import { parseBudgetChainId } from '../../lambdas/core/ledger/budget-chain.js';

/**
 * What `qm audit verify` prints: a verdict line, what was held against the chains, what could not
 * be, and one line per failing chain and per record that disagrees with its chain (ADR 0010).
 */

const chainName = (id: string): string => {
  const budget = parseBudgetChainId(id);
  return budget === undefined ? `job ${JSON.stringify(id)}` : `budget ${budget.team}/${budget.period}`;
};

const at = (line: number | null) => (line === null ? '' : ` (line ${line})`);

const recordName = (f: RecordFinding): string =>
  f.kind === 'budget' ? `budget ${f.id}` : `${f.kind} ${JSON.stringify(f.id)}`;

/** One finding: the record and its line, the field, why, and the event stating the fact. */
export const findingText = (f: RecordFinding): string => {
  const event =
    f.seq === null ? chainName(f.chain) : `${chainName(f.chain)} event seq ${f.seq}${at(f.eventLine)}`;
  return `${recordName(f)}${at(f.line)}: ${f.field}: ${f.reason}: ${f.detail} [${event}]`;
};

const NOT_COVERED: readonly [keyof NotCovered, string][] = [
  ['preUsageChain', 'usage record(s) of jobs whose chains predate usage chaining'],
  ['preBudgetChain', 'budget record(s) kept before budgets had chains'],
  ['noChain', 'usage record(s) of jobs with no events in the export'],
  ['brokenChain', 'record(s) of chains that fail verification (named above)'],
  ['outsideExport', 'reservation(s) of jobs outside the export'],
];

/** The lines to print, and whether anything was tampered with. */
export const verdictLines = (
  verdict: LedgerVerdict,
  source: string,
): { lines: string[]; tampered: boolean } => {
  const { chains, records } = verdict;
  const lines: string[] = [];
  const scope = `${chains.jobs} job(s), ${chains.budgets} budget(s), ${chains.events} event(s)`;
  if (verdict.ok) lines.push(`OK: ${scope} verified in ${source}; every chain is intact`);
  else
    lines.push(
      `TAMPERED: ${chains.failures.length} of ${chains.jobs + chains.budgets} chain(s) fail verification and ` +
        `${records.findings.length} record(s) disagree with their chains in ${source} (${scope})`,
    );
  const { job, usage, budget } = records.checked;
  lines.push(`records: ${job} job, ${usage} usage and ${budget} budget record(s) held against their chains`);
  const uncovered = NOT_COVERED.filter(([key]) => records.notCovered[key] > 0).map(
    ([key, text]) => `${records.notCovered[key]} ${text}`,
  );
  if (uncovered.length > 0) lines.push(`not covered: ${uncovered.join('; ')}`);
  for (const f of chains.failures) {
    const where =
      f.finding === null
        ? ''
        : `event seq ${f.finding.seq}${f.finding.line === null ? '' : ` (line ${f.finding.line})`}`;
    lines.push(`  ${chainName(f.jobId)}: ${where}: ${f.finding?.reason}: ${f.finding?.detail}`);
  }
  for (const f of records.findings) lines.push(`  ${findingText(f)}`);
  return { lines, tampered: !verdict.ok };
};
