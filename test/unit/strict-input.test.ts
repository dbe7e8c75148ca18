import { describe, expect, it } from 'vitest';
import { parseJobRequestText } from '../../lambdas/core/jobs/job-request.js';
import { parseJobsJsonl } from '../../lambdas/core/jobs/jobs-jsonl.js';
import { isSafeText, safeText } from '../../lambdas/core/jobs/safe-text.js';
import { findDuplicateKey, parseStrictJson, withoutBom } from '../../lambdas/core/jobs/strict-json.js';
import { parseQuotasText } from '../../lambdas/core/planning/plan-inputs.js';
import { csvCell } from '../../lambdas/core/reports/csv.js';
import { escapeHtml } from '../../lambdas/core/reports/svg-chart.js';
import { parseJobEventMessage } from '../../lambdas/core/use-cases/pipeline-messages.js';
import { runPlanCommand } from '../support/run-plan-command.js';

const request = (extra = '') =>
  `{"jobId":"j-1","team":"vision",${extra}"project":"p","resources":{"gpus":1,"gpuModels":["L4"]},"runtime":{"estimatedHours":1}}`;

describe('duplicate keys', () => {
  it('rejects a repeated key with its path and position instead of letting the last one win', () => {
    const parsed = parseJobRequestText(request('"team":"finance",'));
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.issues).toEqual([{ field: 'team', message: 'duplicate key "team" at character 32' }]);
  });

  it('finds repeats at any depth, after unescaping, and not across sibling objects', () => {
    expect(findDuplicateKey('{"a":{"b":1,"\\u0062":2}}')).toEqual({ path: 'a.b', key: 'b', offset: 12 });
    expect(findDuplicateKey('{"xs":[{"k":1},{"k":2,"k":3}]}')).toMatchObject({ path: 'xs.1.k' });
    expect(findDuplicateKey('{"xs":[{"k":1},{"k":2}],"s":"{\\"k\\":1,\\"k\\":2}"}')).toBeNull();
    expect(findDuplicateKey('[{"a":1},{"a":2}]')).toBeNull();
  });

  it('applies to every reader of producer and platform input', () => {
    const event = parseJobEventMessage(
      '{"type":"complete","jobId":"j-1","jobId":"j-2","outcome":"SUCCEEDED"}',
    );
    expect(event).toMatchObject({ ok: false, issues: [{ field: 'jobId' }] });
    const quotas = parseQuotasText('{"asOf":"2026-11-01","defaultVcpus":null,"defaultVcpus":5,"quotas":[]}');
    expect(quotas).toMatchObject({ ok: false, issues: [{ field: 'defaultVcpus' }] });
  });
});

describe('one byte-order-mark rule', () => {
  it('drops a single leading BOM everywhere, and keeps any other', () => {
    expect(withoutBom('\uFEFF{}')).toBe('{}');
    expect(withoutBom('\uFEFF\uFEFF{}')).toBe('\uFEFF{}');
    expect(parseJobRequestText(`\uFEFF${request()}`).ok).toBe(true);
    expect(parseJobsJsonl(`\uFEFF${request()}\n`).jobs).toHaveLength(1);
    expect(parseStrictJson('{"a":"\uFEFF"}')).toEqual({ ok: true, value: { a: '\uFEFF' } });
  });
});

describe('control and bidi characters', () => {
  it('are escaped, never echoed raw', () => {
    expect(safeText('a\u0000b\u202Ec\u2066d\u001b[31m\ne')).toBe(
      'a\\u0000b\\u202ec\\u2066d\\u001b[31m\\u000ae',
    );
    expect(isSafeText('vision-7 · é ✓')).toBe(true);
    expect(isSafeText('x\u200fy')).toBe(false);
  });

  it('in issue messages that quote input', () => {
    const parsed = parseJobRequestText(request('"evil\u202Ekey\\u0000":1,'));
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    const text = JSON.stringify(parsed.issues);
    expect(text).toContain('evil\\\\u202ekey\\\\u0000');
    for (const issue of parsed.issues) {
      expect(isSafeText(issue.field)).toBe(true);
      expect(isSafeText(issue.message)).toBe(true);
    }
  });

  it('in CSV cells and HTML, keeping the formula guard', () => {
    expect(csvCell('team\u202Ex')).toBe('team\\u202ex');
    expect(csvCell('=1+1\u0000')).toBe(`"'=1+1\\u0000"`);
    expect(csvCell('a\nb')).toBe('a\\u000ab');
    expect(escapeHtml('<b>\u202E</b>')).toBe('&#60;b&#62;\\u202e&#60;/b&#62;');
  });
});

describe('empty input', () => {
  it('qm plan exits 2 on an empty or comment-only jobs file', async () => {
    for (const text of ['', '   \n\n', '# nothing yet\n']) {
      const { err, exitCode } = await runPlanCommand(['--jobs', 'empty.jsonl'], { 'empty.jsonl': text });
      expect(exitCode, JSON.stringify(text)).toBe(2);
      expect(err).toContain('holds no job request');
    }
  });
});
