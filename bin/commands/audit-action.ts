import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { readDigestDirectory } from '../../lambdas/adapters/directory-digest-store.js';
import { publicKeyVerifier } from '../../lambdas/adapters/public-key-verifier.js';
import type { AuditFilter } from '../../lambdas/core/audit/audit.js';
import { DigestVerifier } from '../../lambdas/core/audit/digest-verifier.js';
import { LedgerVerifier } from '../../lambdas/core/audit/ledger-verifier.js';
import { parseNumberedLedgerLines } from '../../lambdas/core/ledger/ledger-export.js';
import { digestVerdictLines } from '../cli/digest-verdict-text.js';
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

/** The digests and public key of `--digests`/`--public-key`, read before the export streams past. */
const digestVerifierFor = async (command: Command, opts: VerifyOptions): Promise<DigestVerifier> => {
  let key: Buffer | undefined;
  try {
    key = await readFile(opts.publicKey as string);
  } catch (error) {
    fail(command, `--public-key ${opts.publicKey}: ${(error as Error).message}`);
  }
  let verifier: ReturnType<typeof publicKeyVerifier> | undefined;
  try {
    verifier = publicKeyVerifier(key as Buffer);
  } catch (error) {
    fail(command, `--public-key ${opts.publicKey}: ${(error as Error).message}`);
  }
  let stored: Awaited<ReturnType<typeof readDigestDirectory>> = [];
  try {
    stored = await readDigestDirectory(opts.digests as string);
  } catch (error) {
    fail(command, `--digests ${opts.digests}: ${(error as Error).message}`);
  }
  if (stored.length === 0)
    fail(command, `--digests ${opts.digests}: no digest files (NNNNNNNNNN-YYYYMMDDTHHMMSSZ.json)`);
  return new DigestVerifier(stored, verifier as NonNullable<typeof verifier>);
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
  if ((opts.digests === undefined) !== (opts.publicKey === undefined))
    fail(command, '--digests and --public-key go together');
  const digests = opts.digests === undefined ? undefined : await digestVerifierFor(command, opts);
  // Chains and records in one pass: every chain against its head, every record against its chain.
  const verifier = new LedgerVerifier(filter);
  try {
    const lines = (io.readLines ?? readInputLines)(opts.ledger);
    for await (const { line, record } of parseNumberedLedgerLines(lines, opts.ledger)) {
      verifier.add(record, line);
      digests?.add(record);
    }
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
  const digestVerdict = digests?.finish();
  if (digestVerdict !== undefined)
    for (const line of digestVerdictLines(digestVerdict, opts.digests as string)) write(`${line}\n`);
  if (!tampered && (digestVerdict === undefined || digestVerdict.ok)) return;
  command.error('qm audit verify: tampering found', {
    exitCode: TAMPERED_EXIT_CODE,
    code: 'qm.tampered',
  });
};
