import type { Command } from 'commander';
import type { AuditFilter } from '../../lambdas/core/audit/audit.js';
import { LedgerVerifier } from '../../lambdas/core/audit/ledger-verifier.js';
import { parseNumberedLedgerLines } from '../../lambdas/core/ledger/ledger-export.js';
import { readInputLines } from '../cli/input-file.js';
import { verdictLines } from '../cli/verdict-text.js';
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
  // Chains and records in one pass: every chain against its head, every record against its chain.
  const verifier = new LedgerVerifier(filter);
  try {
    const lines = (io.readLines ?? readInputLines)(opts.ledger);
    for await (const { line, record } of parseNumberedLedgerLines(lines, opts.ledger))
      verifier.add(record, line);
  } catch (error) {
    const message = inputErrorMessage(error, opts.ledger);
    if (message === undefined) throw error;
    fail(command, message);
  }
  const verdict = verifier.finish();
  if (opts.job !== undefined && verdict.chains.jobs === 0)
    fail(command, `--job ${opts.job}: no such job in ${opts.ledger}`);
  const { lines, tampered } = verdictLines(verdict, opts.ledger);
  for (const line of lines) write(`${line}\n`);
  if (!tampered) return;
  command.error('qm audit verify: tampering found', {
    exitCode: TAMPERED_EXIT_CODE,
    code: 'qm.tampered',
  });
};
