import { describe, expect, it } from 'vitest';
import { intakeMessage } from '../../../lambdas/core/use-cases/intake-message.js';
import { makeWorld, requestBody } from './world.js';

describe('intakeMessage', () => {
  it('creates a PENDING job with a RECEIVED event from a valid request', async () => {
    const w = await makeWorld();
    const outcome = await intakeMessage(w, { messageId: 'm1', body: requestBody('job-1') });
    expect(outcome).toEqual({ kind: 'created', jobId: 'job-1' });
    expect((await w.ledger.getJob('job-1'))?.state).toBe('PENDING');
    expect((await w.ledger.listEvents('job-1')).map((e) => e.type)).toEqual(['RECEIVED']);
  });

  it('treats a redelivered request as a no-op duplicate', async () => {
    const w = await makeWorld();
    await intakeMessage(w, { messageId: 'm1', body: requestBody('job-1') });
    const again = await intakeMessage(w, { messageId: 'm2', body: requestBody('job-1') });
    expect(again).toEqual({ kind: 'duplicate', jobId: 'job-1' });
    expect(await w.ledger.listEvents('job-1')).toHaveLength(1);
  });

  it('rejects a malformed body with its raw text and a reason naming the field', async () => {
    const w = await makeWorld();
    const body = JSON.stringify({ jobId: 'job-2', team: 'Vision!' });
    const outcome = await intakeMessage(w, { messageId: 'm3', body });
    expect(outcome.kind).toBe('rejected');
    const rejection = await w.ledger.getRejection('m3');
    expect(rejection?.rawBody).toBe(body);
    expect(rejection?.reason).toMatch(/team: /);
    expect(await w.ledger.getJob('job-2')).toBeUndefined();
  });

  it('rejects text that is not JSON at (body)', async () => {
    const w = await makeWorld();
    const outcome = await intakeMessage(w, { messageId: 'm4', body: '{not json' });
    expect(outcome.kind === 'rejected' && outcome.issues[0]?.field).toBe('(body)');
  });

  it('rejects a different request that reuses a jobId, and keeps the first', async () => {
    const w = await makeWorld();
    await intakeMessage(w, { messageId: 'm1', body: requestBody('job-1') });
    const other = await intakeMessage(w, {
      messageId: 'm5',
      body: requestBody('job-1', { project: 'other' }),
    });
    expect(other.kind === 'rejected' && other.reason).toMatch(/already used by a different request/);
    expect((await w.ledger.getJob('job-1'))?.project).toBe('p');
  });

  it('records a redelivered rejection once', async () => {
    const w = await makeWorld();
    await intakeMessage(w, { messageId: 'm6', body: 'x' });
    const again = await intakeMessage(w, { messageId: 'm6', body: 'x' });
    expect(again.kind === 'rejected' && again.record).toBe('duplicate');
  });
});
