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
    .action(async (opts: VerifyOptions, command: Command) => {
      const { runAuditVerify } = await import('./audit-action.js');
      await runAuditVerify(opts, command, io);
    });
  return audit;
};
