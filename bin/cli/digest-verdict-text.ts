import type { DigestVerdict } from '../../lambdas/core/audit/digest-verifier.js';

/** What `qm audit verify --digests` prints after the chain verdict: a summary, then one line per finding. */
export const digestVerdictLines = (verdict: DigestVerdict, dir: string): string[] => {
  const lines: string[] = [];
  const span =
    verdict.firstSequence === null
      ? 'none verified'
      : `sequence ${verdict.firstSequence}–${verdict.lastSequence}, up to ${verdict.coveredUntil}`;
  lines.push(
    verdict.ok
      ? `OK: ${verdict.signed} signed digest(s) in ${dir} (${span}); every signature, link and chain head agrees`
      : `TAMPERED: ${verdict.findings.length} digest finding(s) over ${verdict.digests} digest file(s) in ${dir} (${verdict.signed} with a valid signature; ${span})`,
  );
  lines.push(
    `digests: ${verdict.chainsChecked} chain(s) agree with the signed heads; ${verdict.uncoveredEvents} event(s) in no signed interval (after the last digest, or in a gap)`,
  );
  for (const f of verdict.findings) {
    const from = f.fromSequence === null ? '' : ` from digest ${f.fromSequence} on`;
    lines.push(`  ${f.kind}${from}${f.digestKey === null ? '' : ` (${f.digestKey})`}: ${f.detail}`);
  }
  return lines;
};
