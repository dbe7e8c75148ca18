import type { Command } from 'commander';

/** What the command needs from the process; tests pass their own. */
export interface AuditCommandIo {
  /** Streams the lines of a file (standard input for `-`). @default readInputLines */
  readonly readLines?: (path: string) => AsyncIterable<string>;
  readonly write?: (text: string) => void;
}

/** Exit code when tampering is found: the ledger is not what was written. */
export const TAMPERED_EXIT_CODE = 1;

export interface VerifyOptions {
  ledger: string;
  job?: string;
  from?: string;
  to?: string;
  /** A directory of signed digests (`qm audit digest --out`, or downloaded from the export bucket). */
  digests?: string;
  publicKey?: string;
}

export interface DigestOptions {
  ledger: string;
  key: string;
  out: string;
  at?: string;
}

export interface KeygenOptions {
  key: string;
  publicKey: string;
}

export interface PublicKeyOptions {
  key?: string;
  kmsKeyId?: string;
  region?: string;
  out?: string;
}

/**
 * Registers `qm audit verify`: checks every job's and budget's hash-chained history in a ledger
 * export, and every record against the chain that states its facts (ADR 0010). The verifier loads
 * when the command runs (audit-action.ts).
 */
export const registerAuditCommand = (program: Command, io: AuditCommandIo = {}): Command => {
  const audit = program.command('audit').description('audit the ledger: tamper-evident job histories');
  audit
    .command('verify')
    .description(
      'verify a ledger export: every job and budget chain, and every job, usage and budget record against its chain; names each bad event and each record that disagrees; exit 1 on tampering',
    )
    .requiredOption('--ledger <file>', 'ledger export (JSONL); - for standard input')
    .option('--job <id>', 'verify only this job')
    .option('--from <date>', 'only jobs with events on or after this day, YYYY-MM-DD')
    .option('--to <date>', 'only jobs with events on or before this day, YYYY-MM-DD')
    .option('--digests <dir>', 'also hold the export against the signed digests in this directory')
    .option(
      '--public-key <file>',
      'the public key (PEM or DER) the digests must be signed with; with --digests',
    )
    .action(async (opts: VerifyOptions, command: Command) => {
      const { runAuditVerify } = await import('./audit-action.js');
      await runAuditVerify(opts, command, io);
    });
  audit
    .command('digest')
    .description(
      'write the next signed digest (embedded mode): every chain head of the ledger export changed since the last digest in --out, signed with a local key file',
    )
    .requiredOption('--ledger <file>', 'ledger export (JSONL); - for standard input')
    .requiredOption('--key <file>', 'EC P-256 private key (PEM), e.g. from qm audit keygen')
    .requiredOption('--out <dir>', 'the digest directory')
    .option('--at <instant>', "the interval's end, ISO 8601 (default: now)")
    .action(async (opts: DigestOptions, command: Command) => {
      const { runAuditDigest } = await import('./audit-digest-action.js');
      await runAuditDigest(opts, command, io);
    });
  audit
    .command('keygen')
    .description('create a local digest signing key pair (EC P-256, PEM); never overwrites a file')
    .requiredOption('--key <file>', 'where to write the private key')
    .requiredOption('--public-key <file>', 'where to write the public key')
    .action(async (opts: KeygenOptions, command: Command) => {
      const { runAuditKeygen } = await import('./audit-digest-action.js');
      await runAuditKeygen(opts, command, io);
    });
  audit
    .command('public-key')
    .description('print the public key digests are verified with, from a local key file or the KMS key')
    .option('--key <file>', 'local private key (PEM)')
    .option('--kms-key-id <id>', 'the digest KMS key (id, ARN or alias)')
    .option('--region <region>', 'AWS region of the KMS key')
    .option('--out <file>', 'write the PEM here instead of standard output')
    .action(async (opts: PublicKeyOptions, command: Command) => {
      const { runAuditPublicKey } = await import('./audit-digest-action.js');
      await runAuditPublicKey(opts, command, io);
    });
  return audit;
};
