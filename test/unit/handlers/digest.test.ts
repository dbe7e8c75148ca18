import type { Context, ScheduledEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { InMemoryLedger } from '../../../lambdas/adapters/in-memory-ledger.js';
import {
  generateDigestKeyPair,
  keyFileDigestSigner,
} from '../../../lambdas/adapters/key-file-digest-signer.js';
import { makeHandler } from '../../../lambdas/handlers/digest.js';
import { quietObservability } from '../../../lambdas/handlers/middleware.js';
import { MemoryDigestStore } from '../../support/digest-fixtures.js';
import { FakeClock } from '../../support/fake-clock.js';
import { jobRequest } from '../../support/ledger-fixtures.js';

describe('the digest handler', () => {
  it('signs the heads up to the settle margin behind its clock, then the next interval on the next run', async () => {
    const clock = new FakeClock('2026-03-01T12:00:00.000Z');
    const ledger = new InMemoryLedger({ clock });
    const store = new MemoryDigestStore();
    const handler = makeHandler({
      ledger,
      store,
      signer: keyFileDigestSigner(generateDigestKeyPair().privateKeyPem),
      clock,
      settleSeconds: 120,
      obs: quietObservability('digest'),
    });
    await ledger.putJobIfAbsent({ request: jobRequest('job-1'), messageId: 'm-1' });
    clock.advance(60_000);
    // Within the settle margin: job-1's event is not in the first interval yet.
    const first = await handler({} as ScheduledEvent, {} as Context);
    expect(first).toMatchObject({ sequence: 1, heads: 0, end: '2026-03-01T11:59:00.000Z' });
    clock.advance(3_600_000);
    const second = await handler({} as ScheduledEvent, {} as Context);
    expect(second).toMatchObject({ sequence: 2, heads: 1, end: '2026-03-01T12:59:00.000Z' });
    expect([...store.files.keys()]).toEqual([first.key, second.key]);
  });
});
