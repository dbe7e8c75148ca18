import type { Command } from 'commander';
import { readTextLines } from '../../lambdas/adapters/ledger-export-file.js';
import { type AuditFilter, LedgerAuditor } from '../../lambdas/core/audit/audit.js';
import { parseNumberedLedgerLines } from '../../lambdas/core/ledger/ledger-export.js';
import { type AuditCommandIo, TAMPERED_EXIT_CODE, type VerifyOptions } from './audit.js';
import { REPORT_INPUT_ERROR_EXIT_CODE } from './report.js';
import { inputErrorMessage } from './report-action.js';

const DAY = /^\d{4}-\d{2}-\d{2}$/;

const fail = (command: Command, message: string): never => {
  command.error(`qm audit verify: ${message}`, { exitCode: REPORT_INPUT_ERROR_EXIT_CODE, code: 'qm.input' });
  throw new Error(message);
};

const dayMs = (
  command: Command,
  flag: string,
  value: string | undefined,
  plusDay = false,
): number | undefined => {
  if (value === undefined) return undefined;
  const ms = Date.parse(`${value}T00:00:00Z`);
  if (!DAY.test(value) || Number.isNaN(ms))
    fail(command, `--${flag} must be a date YYYY-MM-DD; got "${value}"`);
  return plusDay ? ms + 86_400_000 : ms;
};

/** `qm audit verify`'s work, loaded only when the command runs (bin/commands/audit.ts defines its flags). */
export const runAuditVerify = async (
  opts: VerifyOptions,
  command: Command,
  io: AuditCommandIo,
): Promise<void> => {
  const write = io.write ?? ((text: string) => process.stdout.write(text));
  const fromMs = dayMs(command, 'from', opts.from);
  const toMs = dayMs(command, 'to', opts.to, true);
  const filter: AuditFilter = {
    ...(opts.job !== undefined ? { jobId: opts.job } : {}),
    ...(fromMs !== undefined ? { fromMs } : {}),
    ...(toMs !== undefined ? { toMs } : {}),
  };
  const auditor = new LedgerAuditor(filter);
  try {
    const lines = (io.readLines ?? readTextLines)(opts.ledger);
    for await (const { line, record } of parseNumberedLedgerLines(lines, opts.ledger))
      auditor.add(record, line);
  } catch (error) {
    const message = inputErrorMessage(error, opts.ledger);
    if (message === undefined) throw error;
    fail(command, message);
  }
  const result = auditor.finish();
  if (opts.job !== undefined && result.jobs === 0)
    fail(command, `--job ${opts.job}: no such job in ${opts.ledger}`);
  if (result.ok) {
    write(
      `OK: ${result.jobs} job(s), ${result.events} event(s) verified in ${opts.ledger}; every chain is intact\n`,
    );
    return;
  }
  write(`TAMPERED: ${result.failures.length} of ${result.jobs} job(s) in ${opts.ledger} fail verification\n`);
  for (const f of result.failures) {
    const where =
      f.finding === null
        ? ''
        : `event seq ${f.finding.seq}${f.finding.line === null ? '' : ` (line ${f.finding.line})`}`;
    write(`  job ${JSON.stringify(f.jobId)}: ${where}: ${f.finding?.reason}: ${f.finding?.detail}\n`);
  }
  command.error('qm audit verify: tampering found', {
    exitCode: TAMPERED_EXIT_CODE,
    code: 'qm.tampered',
  });
};
