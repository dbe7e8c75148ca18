import { createPrivateKey } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { GetPublicKeyCommand } from '@aws-sdk/client-kms';
import type { Command } from 'commander';
import { directoryDigestStore } from '../../lambdas/adapters/directory-digest-store.js';
import {
  generateDigestKeyPair,
  keyFileDigestSigner,
  publicKeyPemOf,
} from '../../lambdas/adapters/key-file-digest-signer.js';
import { createKmsClient } from '../../lambdas/adapters/kms-client.js';
import { spkiPem } from '../../lambdas/adapters/public-key-verifier.js';
import { chainHeadsIn, type HeadEvent } from '../../lambdas/core/audit/chain-heads-in.js';
import { parseNumberedLedgerLines } from '../../lambdas/core/ledger/ledger-export.js';
import { writeDigest } from '../../lambdas/core/use-cases/write-digest.js';
import { readInputLines } from '../cli/input-file.js';
import type { AuditCommandIo, DigestOptions, KeygenOptions, PublicKeyOptions } from './audit.js';
import { REPORT_INPUT_ERROR_EXIT_CODE } from './report.js';
import { inputErrorMessage } from './report-action.js';

const fail = (command: Command, name: string, message: string): never => {
  command.error(`qm audit ${name}: ${message}`, { exitCode: REPORT_INPUT_ERROR_EXIT_CODE, code: 'qm.input' });
  throw new Error(message);
};

const fileError = (error: unknown): string | undefined => {
  const code = (error as NodeJS.ErrnoException).code;
  return code === undefined ? undefined : (error as Error).message;
};

/**
 * `qm audit digest`: the embedded mode's digest writer. The ledger is an export file (what
 * `qm simulate --ledger-out` writes); its chain heads in the interval since the last digest in
 * `--out` are signed with the local key file and written as the next digest there.
 */
export const runAuditDigest = async (
  opts: DigestOptions,
  command: Command,
  io: AuditCommandIo,
): Promise<void> => {
  const write = io.write ?? ((text: string) => process.stdout.write(text));
  const end = opts.at ?? new Date().toISOString();
  if (Number.isNaN(Date.parse(end))) fail(command, 'digest', `--at must be an ISO instant; got "${end}"`);
  let pem = '';
  try {
    pem = await readFile(opts.key, 'utf8');
  } catch (error) {
    fail(command, 'digest', `--key: ${fileError(error) ?? String(error)}`);
  }
  let signer: ReturnType<typeof keyFileDigestSigner> | undefined;
  try {
    signer = keyFileDigestSigner(pem);
  } catch (error) {
    fail(command, 'digest', `--key ${opts.key}: ${(error as Error).message}`);
  }
  const events: HeadEvent[] = [];
  try {
    const lines = (io.readLines ?? readInputLines)(opts.ledger);
    for await (const { record } of parseNumberedLedgerLines(lines, opts.ledger))
      if (record.kind === 'event')
        events.push({ jobId: record.jobId, seq: record.seq, hash: record.hash, at: record.at });
  } catch (error) {
    const message = inputErrorMessage(error, opts.ledger);
    if (message === undefined) throw error;
    fail(command, 'digest', message);
  }
  try {
    const written = await writeDigest(
      {
        ledger: { listChainHeads: async (interval) => chainHeadsIn(events, interval) },
        store: directoryDigestStore(opts.out),
        signer: signer as NonNullable<typeof signer>,
      },
      new Date(end).toISOString(),
    );
    const d = written.signed.digest;
    write(
      `digest ${d.sequence}: ${opts.out}/${written.key}: ${d.heads.length} chain head(s) changed in (${d.start ?? 'the beginning'}, ${d.end}], signed by ${written.signed.signature.keyId}\n`,
    );
  } catch (error) {
    if (error instanceof RangeError) fail(command, 'digest', `--at ${end}: ${error.message}`);
    const message = fileError(error);
    if (message === undefined) throw error;
    fail(command, 'digest', `--out ${opts.out}: ${message}`);
  }
};

/** `qm audit keygen`: a new local P-256 key pair; never overwrites a key file. */
export const runAuditKeygen = async (
  opts: KeygenOptions,
  command: Command,
  io: AuditCommandIo,
): Promise<void> => {
  const write = io.write ?? ((text: string) => process.stdout.write(text));
  const pair = generateDigestKeyPair();
  try {
    await writeFile(opts.key, pair.privateKeyPem, { flag: 'wx', mode: 0o600 });
    await writeFile(opts.publicKey, pair.publicKeyPem, { flag: 'wx' });
  } catch (error) {
    fail(command, 'keygen', fileError(error) ?? String(error));
  }
  write(`wrote the private key to ${opts.key} (mode 600) and the public key to ${opts.publicKey}\n`);
};

/** `qm audit public-key`: the public key verifiers need, as PEM, from a local key file or a KMS key. */
export const runAuditPublicKey = async (
  opts: PublicKeyOptions,
  command: Command,
  io: AuditCommandIo,
): Promise<void> => {
  const write = io.write ?? ((text: string) => process.stdout.write(text));
  if ((opts.key === undefined) === (opts.kmsKeyId === undefined))
    fail(command, 'public-key', 'give exactly one of --key FILE and --kms-key-id ID');
  let pem: string;
  if (opts.key !== undefined) {
    try {
      pem = publicKeyPemOf(createPrivateKey(await readFile(opts.key, 'utf8')));
    } catch (error) {
      return fail(command, 'public-key', `--key ${opts.key}: ${(error as Error).message}`);
    }
  } else {
    const client = createKmsClient(opts.region === undefined ? {} : { region: opts.region });
    const out = await client.send(new GetPublicKeyCommand({ KeyId: opts.kmsKeyId }));
    if (out.PublicKey === undefined)
      return fail(command, 'public-key', `KMS returned no public key for ${opts.kmsKeyId}`);
    pem = spkiPem(out.PublicKey);
  }
  if (opts.out === undefined) write(pem);
  else {
    await writeFile(opts.out, pem);
    write(`wrote the public key to ${opts.out}\n`);
  }
};
