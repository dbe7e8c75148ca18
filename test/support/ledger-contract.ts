import { createHash } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  BudgetExceededError,
  InvalidTransitionError,
  NotFoundError,
  VersionConflictError,
} from '../../lambdas/core/errors.js';
import {
  BODY_PREFIX_BYTES,
  MAX_KEPT_ISSUES,
  MAX_REASON_CHARS,
  RECORD_BUDGET_BYTES,
  rejectionBytes,
} from '../../lambdas/core/ledger/bounded-rejection.js';
import { verifyChain } from '../../lambdas/core/ledger/event-chain.js';
import type { ChainHeadSource, JobRecord, Ledger, Rejection } from '../../lambdas/core/ports.js';
import type { PriceBook } from '../../lambdas/core/pricing/offer.js';
import { intakeMessage } from '../../lambdas/core/use-cases/intake-message.js';
import { FakeClock } from './fake-clock.js';
import { hostileIntakeCorpus } from './hostile-intake-corpus.js';
import { allocationFor, jobRequest, priceBook } from './ledger-fixtures.js';

/** Builds a fresh, empty ledger reading time from `clock`. */
export type MakeLedger = (clock: FakeClock) => (Ledger & ChainHeadSource) | Promise<Ledger & ChainHeadSource>;

const caught = async (promise: Promise<unknown>): Promise<unknown> => {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected the call to fail, and it succeeded');
};

const usage = (instanceId: string, jobId: string, startedAt: string, team = 'vision') =>
  ({
    instanceId,
    jobId,
    allocationId: `${jobId}-a1`,
    team,
    project: 'detector',
    instanceType: 'p5.48xlarge',
    region: 'us-east-1',
    availabilityZone: 'us-east-1a',
    purchaseOption: 'spot',
    unitPriceUsdPerHour: 12.5,
    startedAt,
  }) as const;

/**
 * The behaviour every `Ledger` adapter must have. Run it once per adapter, with a factory that
 * returns an empty ledger for each test.
 */
export const describeLedgerContract = (name: string, makeLedger: MakeLedger): void => {
  describe(`${name} (ledger contract)`, () => {
    let clock: FakeClock;
    let ledger: Ledger & ChainHeadSource;

    beforeEach(async () => {
      clock = new FakeClock();
      ledger = await makeLedger(clock);
    });

    const created = async (
      jobId: string,
      overrides: Parameters<typeof jobRequest>[1] = {},
    ): Promise<JobRecord> => {
      const result = await ledger.putJobIfAbsent({
        request: jobRequest(jobId, overrides),
        messageId: `m-${jobId}`,
      });
      expect(result.outcome).toBe('created');
      return result.job;
    };

    describe('jobs', () => {
      it('creates a job in PENDING at version 1 with a RECEIVED event', async () => {
        const job = await created('job-1');
        expect(job).toMatchObject({
          jobId: 'job-1',
          team: 'vision',
          state: 'PENDING',
          version: 1,
          period: '2026-03',
          createdAt: '2026-03-01T12:00:00.000Z',
          allocation: null,
          attempts: 0,
          eventCount: 1,
        });
        expect(await ledger.getJob('job-1')).toEqual(job);
        const events = await ledger.listEvents('job-1');
        expect(events).toHaveLength(1);
        expect(events[0]).toMatchObject({ type: 'RECEIVED', seq: 1, data: { messageId: 'm-job-1' } });
        expect(events[0]?.hash).toBe(job.headHash);
      });

      it('treats a repeated jobId as a duplicate, never a second job', async () => {
        await created('job-1');
        clock.advance(1_000);
        const again = await ledger.putJobIfAbsent({ request: jobRequest('job-1') });
        expect(again).toMatchObject({ outcome: 'duplicate', identical: true, job: { version: 1 } });
        const different = await ledger.putJobIfAbsent({ request: jobRequest('job-1', { priority: 900 }) });
        expect(different).toMatchObject({ outcome: 'duplicate', identical: false, job: { priority: 100 } });
        expect(await ledger.listEvents('job-1')).toHaveLength(1);
      });

      it('returns nothing for an unknown job', async () => {
        expect(await ledger.getJob('nope')).toBeUndefined();
        expect(await ledger.listEvents('nope')).toEqual([]);
      });

      it('moves a job with a versioned transition and appends the event', async () => {
        const job = await created('job-1');
        clock.advance(60_000);
        const cancelled = await ledger.transition({
          jobId: 'job-1',
          expectedVersion: job.version,
          to: 'CANCELLED',
          data: { by: 'alice' },
          fields: { reason: 'no longer needed' },
        });
        expect(cancelled).toMatchObject({
          state: 'CANCELLED',
          version: 2,
          updatedAt: '2026-03-01T12:01:00.000Z',
          runtime: { reason: 'no longer needed' },
          eventCount: 2,
        });
        expect(await ledger.getJob('job-1')).toEqual(cancelled);
        const events = await ledger.listEvents('job-1');
        expect(events[1]).toMatchObject({
          type: 'CANCELLED',
          data: { from: 'PENDING', to: 'CANCELLED', detail: { by: 'alice' } },
        });
      });

      it('refuses a transition from a stale version, naming both versions', async () => {
        const job = await created('job-1');
        await ledger.transition({ jobId: 'job-1', expectedVersion: job.version, to: 'CANCELLED' });
        const err = await caught(ledger.transition({ jobId: 'job-1', expectedVersion: 1, to: 'CANCELLED' }));
        expect(err).toBeInstanceOf(VersionConflictError);
        expect(err).toMatchObject({
          name: 'VersionConflictError',
          id: 'job-1',
          expectedVersion: 1,
          actualVersion: 2,
        });
        expect(await ledger.listEvents('job-1')).toHaveLength(2);
      });

      it('refuses a transition the state machine forbids and leaves the job unchanged', async () => {
        const job = await created('job-1');
        const err = await caught(ledger.transition({ jobId: 'job-1', expectedVersion: 1, to: 'RUNNING' }));
        expect(err).toBeInstanceOf(InvalidTransitionError);
        expect(err).toMatchObject({ from: 'PENDING', to: 'RUNNING' });
        expect(await ledger.getJob('job-1')).toEqual(job);
      });

      it('only lets allocate() enter ALLOCATED, since that reserves budget', async () => {
        await created('job-1');
        const err = await caught(ledger.transition({ jobId: 'job-1', expectedVersion: 1, to: 'ALLOCATED' }));
        expect(err).toBeInstanceOf(InvalidTransitionError);
        expect((err as Error).message).toContain('only allocate() enters ALLOCATED');
      });

      it('reports a transition of an unknown job as not found', async () => {
        const err = await caught(ledger.transition({ jobId: 'ghost', expectedVersion: 1, to: 'CANCELLED' }));
        expect(err).toBeInstanceOf(NotFoundError);
        expect(err).toMatchObject({ entity: 'job', id: 'ghost' });
      });

      it('keeps an intact hash chain through many transitions and re-queues', async () => {
        let job = await created('job-1');
        await ledger.putBudget({ team: 'vision', period: '2026-03', limitUsd: 10_000 });
        for (let attempt = 1; attempt <= 4; attempt++) {
          clock.advance(60_000);
          job = await ledger.allocate(allocationFor(job, 50, 10_000, '2026-03', attempt));
          job = await ledger.transition({
            jobId: job.jobId,
            expectedVersion: job.version,
            to: 'PROVISIONING',
          });
          job = await ledger.transition({
            jobId: job.jobId,
            expectedVersion: job.version,
            to: 'RUNNING',
            fields: { instanceIds: [`i-${attempt}`], startedAt: clock.now().toISOString() },
          });
          job = await ledger.transition({
            jobId: job.jobId,
            expectedVersion: job.version,
            to: 'INTERRUPTED',
          });
          await ledger.releaseBudget({
            team: 'vision',
            allocationId: `job-1-a${attempt}`,
            at: clock.now().toISOString(),
          });
          job = await ledger.transition({ jobId: job.jobId, expectedVersion: job.version, to: 'PENDING' });
          expect(job.allocation).toBeNull();
          expect(job.runtime).toEqual({});
        }
        job = await ledger.allocate(allocationFor(job, 50, 10_000, '2026-03', 5));
        for (const to of ['PROVISIONING', 'RUNNING', 'SUCCEEDED'] as const) {
          job = await ledger.transition({ jobId: job.jobId, expectedVersion: job.version, to });
        }
        const events = await ledger.listEvents('job-1');
        expect(events).toHaveLength(1 + 4 * 5 + 4);
        expect(verifyChain(events)).toEqual({ ok: true, length: 25, headHash: job.headHash });
        expect(job).toMatchObject({ state: 'SUCCEEDED', version: 25, attempts: 5, eventCount: 25 });
        expect(events.filter((e) => e.type === 'REQUEUED')).toHaveLength(4);
      });
    });

    describe('allocation and budgets', () => {
      it('allocates a pending job and reserves its budget in one step', async () => {
        const job = await created('job-1');
        const allocated = await ledger.allocate(allocationFor(job, 52.5, 1_000));
        expect(allocated).toMatchObject({
          state: 'ALLOCATED',
          version: 2,
          attempts: 1,
          allocation: {
            allocationId: 'job-1-a1',
            priceBookId: 'book-2026-03-01',
            reservation: { team: 'vision', period: '2026-03', amountUsd: 52.5 },
          },
        });
        expect(await ledger.getBudget('vision', '2026-03')).toEqual({
          team: 'vision',
          period: '2026-03',
          limitUsd: 1_000,
          reservedUsd: 52.5,
          spentUsd: 0,
          availableUsd: 947.5,
          eventCount: 1,
          headHash: expect.stringMatching(/^[0-9a-f]{64}$/),
        });
        expect(await ledger.getReservation('vision', 'job-1-a1')).toMatchObject({
          jobId: 'job-1',
          amountUsd: 52.5,
          status: 'RESERVED',
        });
        const events = await ledger.listEvents('job-1');
        expect(events[1]).toMatchObject({
          type: 'ALLOCATED',
          data: {
            allocationId: 'job-1-a1',
            decision: { priceBookId: 'book-2026-03-01', candidatesConsidered: 3 },
          },
        });
      });

      it('refuses an allocation the budget cannot cover, changing nothing', async () => {
        await ledger.putBudget({ team: 'vision', period: '2026-03', limitUsd: 100 });
        const job = await created('job-1');
        const err = await caught(ledger.allocate(allocationFor(job, 100.01, 100)));
        expect(err).toBeInstanceOf(BudgetExceededError);
        expect(err).toMatchObject({ team: 'vision', period: '2026-03', requestedUsd: 100.01 });
        expect(await ledger.getJob('job-1')).toEqual(job);
        expect(await ledger.getBudget('vision', '2026-03')).toMatchObject({
          reservedUsd: 0,
          availableUsd: 100,
        });
        expect(await ledger.getReservation('vision', 'job-1-a1')).toBeUndefined();
        expect(await ledger.listEvents('job-1')).toHaveLength(1);
      });

      it('uses the given limit when the team has no budget yet for the period', async () => {
        const job = await created('job-1');
        await ledger.allocate(allocationFor(job, 40, 50));
        expect(await ledger.getBudget('vision', '2026-03')).toMatchObject({ limitUsd: 50, availableUsd: 10 });
        const second = await created('job-2');
        expect(await caught(ledger.allocate(allocationFor(second, 40, 50)))).toBeInstanceOf(
          BudgetExceededError,
        );
      });

      it('refuses an allocation from a stale version without reserving anything', async () => {
        const job = await created('job-1');
        await ledger.transition({ jobId: 'job-1', expectedVersion: 1, to: 'CANCELLED' });
        const err = await caught(ledger.allocate(allocationFor(job, 10, 100)));
        expect(err).toBeInstanceOf(VersionConflictError);
        expect(await ledger.getBudget('vision', '2026-03')).toBeUndefined();
      });

      it('never overspends a budget under 20 concurrent allocations', async () => {
        await ledger.putBudget({ team: 'vision', period: '2026-03', limitUsd: 100 });
        const jobs = await Promise.all(Array.from({ length: 20 }, (_, i) => created(`job-${i}`)));
        const results = await Promise.allSettled(
          jobs.map((job) => ledger.allocate(allocationFor(job, 15, 100))),
        );
        const won = results.filter((r) => r.status === 'fulfilled');
        const lost = results.flatMap((r) => (r.status === 'rejected' ? [r.reason] : []));
        expect(won).toHaveLength(6);
        expect(lost).toHaveLength(14);
        for (const reason of lost) expect(reason).toBeInstanceOf(BudgetExceededError);
        expect(await ledger.getBudget('vision', '2026-03')).toMatchObject({
          reservedUsd: 90,
          availableUsd: 10,
        });
        const allocated = await ledger.listJobsByState('ALLOCATED');
        expect(allocated.items).toHaveLength(6);
      });

      it('settles a reservation at its actual cost, once', async () => {
        const job = await created('job-1');
        await ledger.allocate(allocationFor(job, 60, 100));
        const at = clock.advance(3_600_000);
        const settled = await ledger.settleBudget({
          team: 'vision',
          allocationId: 'job-1-a1',
          actualUsd: 45.25,
          at,
        });
        expect(settled).toMatchObject({
          outcome: 'settled',
          reservation: { status: 'SETTLED', actualUsd: 45.25, closedAt: at },
        });
        const again = await ledger.settleBudget({
          team: 'vision',
          allocationId: 'job-1-a1',
          actualUsd: 99,
          at,
        });
        expect(again).toMatchObject({ outcome: 'already-closed', reservation: { actualUsd: 45.25 } });
        expect(await ledger.getBudget('vision', '2026-03')).toMatchObject({
          reservedUsd: 0,
          spentUsd: 45.25,
          availableUsd: 54.75,
        });
      });

      it('releases a reservation unspent, once, and cannot settle it afterwards', async () => {
        const job = await created('job-1');
        await ledger.allocate(allocationFor(job, 60, 100));
        const at = clock.now().toISOString();
        expect(await ledger.releaseBudget({ team: 'vision', allocationId: 'job-1-a1', at })).toMatchObject({
          outcome: 'released',
        });
        expect(
          await ledger.settleBudget({ team: 'vision', allocationId: 'job-1-a1', actualUsd: 10, at }),
        ).toMatchObject({ outcome: 'already-closed', reservation: { status: 'RELEASED' } });
        expect(await ledger.getBudget('vision', '2026-03')).toMatchObject({
          reservedUsd: 0,
          spentUsd: 0,
          availableUsd: 100,
        });
      });

      it('reports settling an unknown reservation as not found', async () => {
        const err = await caught(
          ledger.settleBudget({
            team: 'vision',
            allocationId: 'x',
            actualUsd: 1,
            at: '2026-03-01T00:00:00Z',
          }),
        );
        expect(err).toBeInstanceOf(NotFoundError);
      });

      it('changes a limit while keeping what is reserved and spent', async () => {
        expect(await ledger.putBudget({ team: 'nlp', period: '2026-03', limitUsd: 500 })).toMatchObject({
          availableUsd: 500,
        });
        const job = await created('job-1', { team: 'nlp' });
        await ledger.allocate(allocationFor(job, 200, 500));
        expect(await ledger.putBudget({ team: 'nlp', period: '2026-03', limitUsd: 300 })).toEqual({
          team: 'nlp',
          period: '2026-03',
          limitUsd: 300,
          reservedUsd: 200,
          spentUsd: 0,
          availableUsd: 100,
          eventCount: 3,
          headHash: expect.stringMatching(/^[0-9a-f]{64}$/),
        });
        expect(await ledger.getBudget('nlp', '2026-04')).toBeUndefined();
      });

      it('refuses a negative or non-finite limit, naming the field', async () => {
        await expect(ledger.putBudget({ team: 'nlp', period: '2026-03', limitUsd: -1 })).rejects.toThrow(
          /limitUsd/,
        );
        await expect(ledger.putBudget({ team: 'nlp', period: '2026-13', limitUsd: 1 })).rejects.toThrow(
          /yyyy-mm/,
        );
      });
    });

    describe('listing', () => {
      it('pages jobs by state, highest priority first, then oldest, beyond one page', async () => {
        const priorities = [100, 900, 100, 500, 0, 900, 1000];
        for (const [i, priority] of priorities.entries()) {
          await created(`job-${i}`, { priority });
          clock.advance(1_000);
        }
        await ledger.transition({ jobId: 'job-4', expectedVersion: 1, to: 'CANCELLED' });
        const seen: string[] = [];
        let cursor: string | undefined;
        let pages = 0;
        do {
          const page = await ledger.listJobsByState(
            'PENDING',
            cursor === undefined ? { limit: 2 } : { limit: 2, cursor },
          );
          expect(page.items.length).toBeLessThanOrEqual(2);
          seen.push(...page.items.map((j) => j.jobId));
          cursor = page.cursor;
          pages++;
        } while (cursor !== undefined && pages < 10);
        expect(seen).toEqual(['job-6', 'job-1', 'job-5', 'job-3', 'job-0', 'job-2']);
        expect(pages).toBeGreaterThanOrEqual(3);
        expect((await ledger.listJobsByState('CANCELLED')).items.map((j) => j.jobId)).toEqual(['job-4']);
      });

      it('refuses a page size outside 1–1000', async () => {
        await expect(ledger.listJobsByState('PENDING', { limit: 0 })).rejects.toThrow(/page.limit/);
      });

      it('lists a team’s jobs for one month, oldest first', async () => {
        await created('a-1');
        clock.advance(1_000);
        await created('b-1', { team: 'nlp' });
        clock.advance(1_000);
        await created('a-2');
        clock.set('2026-04-01T00:00:00.000Z');
        await created('a-3');
        const march = await ledger.listJobsByTeamAndPeriod('vision', '2026-03');
        expect(march.items.map((j) => j.jobId)).toEqual(['a-1', 'a-2']);
        expect(march.cursor).toBeUndefined();
        const paged = await ledger.listJobsByTeamAndPeriod('vision', '2026-03', { limit: 1 });
        expect(paged.items.map((j) => j.jobId)).toEqual(['a-1']);
        expect(paged.cursor).toBeDefined();
        expect((await ledger.listJobsByTeamAndPeriod('vision', '2026-04')).items.map((j) => j.jobId)).toEqual(
          ['a-3'],
        );
      });
    });

    describe('launch claims', () => {
      const claim = (at: string, jobId = 'job-1') =>
        ledger.claimLaunch({ allocationId: 'job-1.a1', jobId, at, leaseSeconds: 300 });

      it('gives one of ten concurrent claimants the launch', async () => {
        const results = await Promise.all(
          Array.from({ length: 10 }, () => claim('2026-03-01T12:00:00.000Z')),
        );
        expect(results.filter((r) => r === 'claimed')).toHaveLength(1);
        expect(results.filter((r) => r === 'held')).toHaveLength(9);
      });

      it('holds the claim for its lease, then lets a later delivery take it over', async () => {
        expect(await claim('2026-03-01T12:00:00.000Z')).toBe('claimed');
        expect(await claim('2026-03-01T12:04:59.000Z')).toBe('held');
        expect(await claim('2026-03-01T12:05:00.000Z')).toBe('claimed');
        expect(await claim('2026-03-01T12:06:00.000Z')).toBe('held');
        expect(
          await ledger.claimLaunch({
            allocationId: 'job-1.a2',
            jobId: 'job-1',
            at: '2026-03-01T12:06:00.000Z',
            leaseSeconds: 300,
          }),
        ).toBe('claimed');
      });

      it('refuses a claim that cannot be made, naming what is wrong', async () => {
        await expect(
          ledger.claimLaunch({
            allocationId: 'a',
            jobId: 'j',
            at: '2026-03-01T12:00:00.000Z',
            leaseSeconds: 0,
          }),
        ).rejects.toThrow('leaseSeconds must be > 0');
        await expect(
          ledger.claimLaunch({ allocationId: 'a', jobId: 'j', at: '2026-03-01 12:00', leaseSeconds: 60 }),
        ).rejects.toThrow('is not a UTC ISO instant');
      });
    });

    describe('rejections', () => {
      it('takes a 1,000-case hostile corpus through intake: nothing thrown, every valid job kept, every invalid one REJECTED with a reason', async () => {
        const corpus = hostileIntakeCorpus(1000);
        const kinds = new Set(corpus.map((c) => c.kind));
        expect(kinds.size).toBe(10);
        for (const c of corpus) {
          const outcome = await intakeMessage({ ledger, clock }, { messageId: c.messageId, body: c.body });
          if (c.jobId !== null) {
            expect(outcome, `${c.messageId} (${c.kind})`).toEqual({ kind: 'created', jobId: c.jobId });
            expect((await ledger.getJob(c.jobId))?.state).toBe('PENDING');
          } else {
            expect(outcome.kind, `${c.messageId} (${c.kind}): ${c.body.slice(0, 80)}`).toBe('rejected');
            const stored = await ledger.getRejection(c.messageId);
            expect(stored?.reason.length, `${c.messageId} (${c.kind})`).toBeGreaterThan(0);
            expect(stored?.rawBodyBytes).toBe(new TextEncoder().encode(c.body).length);
          }
        }
      }, 300_000);

      it('keeps a rejected request with its raw body, reason and issues', async () => {
        const rawBody = '{"jobId":"x","gpus":"lots"}';
        const input = {
          messageId: 'msg-1',
          rawBody,
          reason: 'invalid job request',
          issues: [{ field: 'resources', message: 'Required' }],
          at: '2026-03-01T12:00:00.000Z',
        };
        expect(await ledger.recordRejection(input)).toBe('recorded');
        expect(await ledger.recordRejection({ ...input, reason: 'other' })).toBe('duplicate');
        expect(await ledger.getRejection('msg-1')).toEqual({
          ...input,
          issueCount: 1,
          rawBodyBytes: rawBody.length,
          rawBodySha256: createHash('sha256').update(rawBody).digest('hex'),
          rawBodyTruncated: false,
        });
        expect(await ledger.getRejection('msg-2')).toBeUndefined();
      });

      it('records a message of 7,000 unknown keys whole, with the first issues and their count', async () => {
        // 61,792 bytes and 7,000 issues: the unbounded record (about 588 KB) would not fit an item.
        const keys = Array.from({ length: 7000 }, (_, i) => `"k${String(i).padStart(4, '0')}":1`);
        const rawBody = `{${keys.join(',')}}`;
        const issues = keys.map((_, i) => ({
          field: `k${String(i).padStart(4, '0')}`,
          message: 'unknown field',
        }));
        const reason = issues.map((i) => `${i.field}: ${i.message}`).join('; ');
        expect(
          await ledger.recordRejection({
            messageId: 'big',
            rawBody,
            reason,
            issues,
            at: '2026-03-01T12:00:00.000Z',
          }),
        ).toBe('recorded');
        const stored = await ledger.getRejection('big');
        expect(stored?.rawBody).toBe(rawBody);
        expect(stored?.rawBodyTruncated).toBe(false);
        expect(stored?.issueCount).toBe(7000);
        expect(stored?.issues).toHaveLength(MAX_KEPT_ISSUES);
        expect(stored?.issues[0]).toEqual(issues[0]);
        expect(stored?.reason.length).toBeLessThanOrEqual(MAX_REASON_CHARS);
        expect(rejectionBytes(stored as Rejection)).toBeLessThanOrEqual(RECORD_BUDGET_BYTES);
      });

      it('keeps the first bytes, the length and the SHA-256 of a body too large to store whole', async () => {
        const rawBody = `{"x":"${'é'.repeat(250_000)}"}`;
        expect(
          await ledger.recordRejection({
            messageId: 'huge',
            rawBody,
            reason: 'too large',
            at: '2026-03-01T12:00:00.000Z',
          }),
        ).toBe('recorded');
        const stored = await ledger.getRejection('huge');
        expect(stored?.rawBodyTruncated).toBe(true);
        expect(stored?.rawBodyBytes).toBe(Buffer.byteLength(rawBody));
        expect(stored?.rawBodySha256).toBe(createHash('sha256').update(rawBody).digest('hex'));
        expect(rawBody.startsWith(stored?.rawBody ?? '-')).toBe(true);
        expect(Buffer.byteLength(stored?.rawBody ?? '')).toBeLessThanOrEqual(BODY_PREFIX_BYTES);
      });

      it('keeps a body that is not JSON at all, byte for byte', async () => {
        const rawBody = 'not json \u0000 ünïcödé';
        await ledger.recordRejection({
          messageId: 'm',
          rawBody,
          reason: 'not JSON',
          at: '2026-03-01T12:00:00.000Z',
        });
        expect(await ledger.getRejection('m')).toMatchObject({ rawBody, issues: [] });
      });
    });

    describe('usage intervals', () => {
      it('starts and stops usage once per instance', async () => {
        await created('job-1');
        const start = usage('i-1', 'job-1', '2026-03-01T12:00:00.000Z');
        expect(await ledger.startUsage(start)).toMatchObject({
          outcome: 'started',
          usage: { period: '2026-03', stoppedAt: null },
        });
        expect(await ledger.startUsage({ ...start, startedAt: '2026-03-01T12:05:00.000Z' })).toMatchObject({
          outcome: 'already-started',
          usage: { startedAt: '2026-03-01T12:00:00.000Z' },
        });
        const stop = { instanceId: 'i-1', stoppedAt: '2026-03-01T14:00:00.000Z', costUsd: 25 };
        expect(await ledger.stopUsage(stop)).toMatchObject({ outcome: 'stopped', usage: { costUsd: 25 } });
        expect(await ledger.stopUsage({ ...stop, costUsd: 99 })).toMatchObject({
          outcome: 'already-stopped',
          usage: { costUsd: 25, stoppedAt: '2026-03-01T14:00:00.000Z' },
        });
        expect(await ledger.getUsage('i-1')).toMatchObject({ jobId: 'job-1', costUsd: 25 });
      });

      it('refuses to stop usage that never started, or before it started', async () => {
        expect(
          await caught(
            ledger.stopUsage({ instanceId: 'i-x', stoppedAt: '2026-03-01T00:00:00Z', costUsd: 0 }),
          ),
        ).toBeInstanceOf(NotFoundError);
        await created('job-1');
        await ledger.startUsage(usage('i-1', 'job-1', '2026-03-01T12:00:00.000Z'));
        await expect(
          ledger.stopUsage({ instanceId: 'i-1', stoppedAt: '2026-03-01T11:00:00.000Z', costUsd: 0 }),
        ).rejects.toThrow(/before startedAt/);
      });

      it('lists usage by job and by team and month', async () => {
        for (const [jobId, team] of [
          ['job-1', 'vision'],
          ['job-2', 'vision'],
          ['job-3', 'nlp'],
          ['job-4', 'vision'],
        ] as const)
          await created(jobId, { team });
        await ledger.startUsage(usage('i-2', 'job-1', '2026-03-01T13:00:00.000Z'));
        await ledger.startUsage(usage('i-1', 'job-1', '2026-03-01T12:00:00.000Z'));
        await ledger.startUsage(usage('i-3', 'job-2', '2026-03-02T12:00:00.000Z'));
        await ledger.startUsage(usage('i-4', 'job-3', '2026-03-02T12:00:00.000Z', 'nlp'));
        await ledger.startUsage(usage('i-5', 'job-4', '2026-04-02T12:00:00.000Z'));
        expect((await ledger.listUsageByJob('job-1')).map((u) => u.instanceId)).toEqual(['i-1', 'i-2']);
        const march = await ledger.listUsageByTeamAndPeriod('vision', '2026-03');
        expect(march.items.map((u) => u.instanceId)).toEqual(['i-1', 'i-2', 'i-3']);
      });
    });

    describe('usage and budgets under the chain (ADR 0010)', () => {
      it('appends USAGE_STARTED and USAGE_STOPPED with the interval facts, once each', async () => {
        const job = await created('job-1');
        const allocated = await ledger.allocate(allocationFor(job, 52.5, 1_000));
        const start = usage('i-1', 'job-1', '2026-03-01T12:00:00.000Z');
        await ledger.startUsage(start);
        await ledger.startUsage(start);
        await ledger.stopUsage({ instanceId: 'i-1', stoppedAt: '2026-03-01T14:00:00.000Z', costUsd: 25 });
        await ledger.stopUsage({ instanceId: 'i-1', stoppedAt: '2026-03-01T15:00:00.000Z', costUsd: 30 });
        const events = await ledger.listEvents('job-1');
        expect(events.map((e) => e.type)).toEqual([
          'RECEIVED',
          'ALLOCATED',
          'USAGE_STARTED',
          'USAGE_STOPPED',
        ]);
        expect(events[2]?.data).toEqual({
          usage: {
            instanceId: 'i-1',
            allocationId: 'job-1-a1',
            instanceType: 'p5.48xlarge',
            region: 'us-east-1',
            availabilityZone: 'us-east-1a',
            purchaseOption: 'spot',
            unitPriceUsdPerHour: 12.5,
            startedAt: '2026-03-01T12:00:00.000Z',
            priceBookId: 'book-2026-03-01',
            // 165.2 USD on demand over 4.2 expected hours on one node.
            onDemandPriceUsdPerHour: 39.333333,
          },
        });
        expect(events[3]?.data).toEqual({
          usage: {
            instanceId: 'i-1',
            allocationId: 'job-1-a1',
            stoppedAt: '2026-03-01T14:00:00.000Z',
            costUsd: 25,
          },
        });
        expect(verifyChain(events)).toMatchObject({ ok: true, length: 4 });
        const after = await ledger.getJob('job-1');
        expect(after).toMatchObject({
          state: 'ALLOCATED',
          version: allocated.version + 2,
          eventCount: 4,
          headHash: events[3]?.hash,
        });
      });

      it('refuses usage of an unknown job, or under another team, writing nothing', async () => {
        expect(
          await caught(ledger.startUsage(usage('i-1', 'ghost', '2026-03-01T12:00:00.000Z'))),
        ).toBeInstanceOf(NotFoundError);
        await created('job-1');
        expect(
          await caught(ledger.startUsage(usage('i-2', 'job-1', '2026-03-01T12:00:00.000Z', 'nlp'))),
        ).toBeInstanceOf(TypeError);
        expect(await ledger.getUsage('i-1')).toBeUndefined();
        expect(await ledger.getUsage('i-2')).toBeUndefined();
        expect(await ledger.listEvents('job-1')).toHaveLength(1);
      });

      it('chains the usage of 8 nodes starting and stopping at once', async () => {
        await created('job-1');
        const ids = Array.from({ length: 8 }, (_, i) => `i-${i}`);
        await Promise.all(ids.map((id) => ledger.startUsage(usage(id, 'job-1', '2026-03-01T12:00:00.000Z'))));
        await Promise.all(
          ids.map((id) =>
            ledger.stopUsage({ instanceId: id, stoppedAt: '2026-03-01T13:00:00.000Z', costUsd: 12.5 }),
          ),
        );
        const events = await ledger.listEvents('job-1');
        expect(verifyChain(events)).toMatchObject({ ok: true, length: 17 });
        const started = events.filter((e) => e.type === 'USAGE_STARTED');
        expect(started.map((e) => (e.data.usage as { instanceId: string }).instanceId).sort()).toEqual(ids);
        expect(events.filter((e) => e.type === 'USAGE_STOPPED')).toHaveLength(8);
        expect(await ledger.getJob('job-1')).toMatchObject({ version: 17, eventCount: 17 });
      });

      it('appends every budget change to the budget chain with the balances after it', async () => {
        await ledger.putBudget({ team: 'vision', period: '2026-03', limitUsd: 500 });
        const one = await created('job-1');
        const two = await created('job-2');
        await ledger.allocate(allocationFor(one, 60, 500));
        await ledger.allocate(allocationFor(two, 40, 500));
        const at = clock.now().toISOString();
        await ledger.settleBudget({ team: 'vision', allocationId: 'job-1-a1', actualUsd: 45.25, at });
        await ledger.settleBudget({ team: 'vision', allocationId: 'job-1-a1', actualUsd: 99, at });
        await ledger.releaseBudget({ team: 'vision', allocationId: 'job-2-a1', at });
        await ledger.putBudget({ team: 'vision', period: '2026-03', limitUsd: 450 });
        const events = await ledger.listBudgetEvents('vision', '2026-03');
        expect(events.map((e) => e.type)).toEqual([
          'BUDGET_SET',
          'BUDGET_RESERVED',
          'BUDGET_RESERVED',
          'BUDGET_SETTLED',
          'BUDGET_RELEASED',
          'BUDGET_SET',
        ]);
        expect(events.every((e) => e.jobId === 'budget/vision/2026-03')).toBe(true);
        expect(events[1]?.data).toEqual({
          team: 'vision',
          period: '2026-03',
          jobId: 'job-1',
          jobPeriod: '2026-03',
          allocationId: 'job-1-a1',
          amountUsd: 60,
          after: { limitUsd: 500, reservedUsd: 60, spentUsd: 0 },
        });
        expect(events[3]?.data).toMatchObject({
          allocationId: 'job-1-a1',
          reservedUsd: 60,
          actualUsd: 45.25,
          after: { limitUsd: 500, reservedUsd: 40, spentUsd: 45.25 },
        });
        expect(events[5]?.data).toMatchObject({
          limitUsd: 450,
          previousLimitUsd: 500,
          after: { limitUsd: 450, reservedUsd: 0, spentUsd: 45.25 },
        });
        expect(verifyChain(events)).toMatchObject({ ok: true, length: 6 });
        expect(await ledger.getBudget('vision', '2026-03')).toEqual({
          team: 'vision',
          period: '2026-03',
          limitUsd: 450,
          reservedUsd: 0,
          spentUsd: 45.25,
          availableUsd: 404.75,
          eventCount: 6,
          headHash: events[5]?.hash,
        });
        expect(await ledger.listBudgetEvents('vision', '2026-04')).toEqual([]);
      });

      it('keeps one unbroken budget chain under 20 concurrent allocations', async () => {
        await ledger.putBudget({ team: 'vision', period: '2026-03', limitUsd: 100 });
        const jobs = await Promise.all(Array.from({ length: 20 }, (_, i) => created(`job-${i}`)));
        await Promise.allSettled(jobs.map((job) => ledger.allocate(allocationFor(job, 15, 100))));
        const events = await ledger.listBudgetEvents('vision', '2026-03');
        expect(verifyChain(events)).toMatchObject({ ok: true, length: 7 });
        expect(events.at(-1)?.data).toMatchObject({ after: { reservedUsd: 90 } });
        expect(await ledger.getBudget('vision', '2026-03')).toMatchObject({
          eventCount: 7,
          headHash: events.at(-1)?.hash,
        });
      });
    });

    describe('chain heads for signed digests (issue 13 part 2)', () => {
      it('lists the head of every job and budget chain with an event in the interval, as of its end', async () => {
        const start = clock.now().toISOString();
        await ledger.putBudget({ team: 'vision', period: '2026-03', limitUsd: 500 });
        const one = await created('job-1');
        clock.advance(60_000);
        const middle = clock.now().toISOString();
        clock.advance(60_000);
        await created('job-2');
        await ledger.allocate(allocationFor(one, 60, 500));
        const end = clock.now().toISOString();
        clock.advance(60_000);
        await ledger.transition({ jobId: 'job-2', expectedVersion: 1, to: 'CANCELLED' });

        const jobOne = await ledger.listEvents('job-1');
        const jobTwo = await ledger.listEvents('job-2');
        const budget = await ledger.listBudgetEvents('vision', '2026-03');
        const head = (events: readonly { seq: number; hash: string; at: string; jobId: string }[]) => {
          const last = events.at(-1) as { seq: number; hash: string; at: string; jobId: string };
          return { chainId: last.jobId, eventCount: last.seq, headHash: last.hash, lastEventAt: last.at };
        };
        expect(await ledger.listChainHeads({ after: middle, until: end })).toEqual([
          head(budget),
          head(jobOne),
          head(jobTwo.slice(0, 1)),
        ]);
        expect(await ledger.listChainHeads({ after: null, until: middle })).toEqual([
          head(budget.slice(0, 1)),
          head(jobOne.slice(0, 1)),
        ]);
        expect(await ledger.listChainHeads({ after: end, until: clock.now().toISOString() })).toEqual([
          head(jobTwo),
        ]);
        expect(await ledger.listChainHeads({ after: start, until: middle })).toEqual([]);
      });
    });

    describe('price books and offer availability', () => {
      it('stores a book and returns the latest stored one', async () => {
        expect(await ledger.getLatestPriceBook()).toBeUndefined();
        const first = priceBook('book-1', 3);
        expect(await ledger.putPriceBook(first)).toBe('stored');
        clock.advance(60_000);
        const second = priceBook('book-0', 2);
        await ledger.putPriceBook(second);
        expect(await ledger.getLatestPriceBook()).toEqual(second);
        expect(await ledger.getPriceBook('book-1')).toEqual(first);
        expect(await ledger.getPriceBook('book-9')).toBeUndefined();
        clock.advance(60_000);
        expect(await ledger.putPriceBook(first)).toBe('duplicate');
        expect((await ledger.getLatestPriceBook())?.id).toBe('book-0');
      });

      it('round-trips a book larger than one storage item', async () => {
        const big = priceBook('book-big', 2_500);
        await ledger.putPriceBook(big);
        expect(await ledger.getLatestPriceBook()).toEqual(big);
      });

      it('round-trips the quotas stored with a book, and adds none to a book without them', async () => {
        const plain = priceBook('book-plain', 2);
        await ledger.putPriceBook(plain);
        clock.advance(1_000);
        const withQuotas: PriceBook = {
          ...priceBook('book-quotas', 2),
          quotas: [
            {
              region: 'us-east-1',
              quotaCode: 'L-3819A6DF',
              quotaClass: 'spot/G',
              vcpus: 64,
              isDefault: false,
            },
            {
              region: 'us-east-1',
              quotaCode: 'L-DB2E81BA',
              quotaClass: 'on-demand/G',
              vcpus: 0,
              isDefault: true,
            },
          ],
        };
        expect(await ledger.putPriceBook(withQuotas)).toBe('stored');
        const latest = await ledger.getLatestPriceBook();
        expect(latest).toStrictEqual(withQuotas);
        expect(await ledger.getPriceBook('book-quotas')).toStrictEqual(withQuotas);
        const readPlain = await ledger.getPriceBook('book-plain');
        expect(readPlain).toStrictEqual(plain);
        expect(readPlain).not.toHaveProperty('quotas');
        const empty: PriceBook = { ...priceBook('book-no-quotas', 1), quotas: [] };
        await ledger.putPriceBook(empty);
        expect(await ledger.getPriceBook('book-no-quotas')).toStrictEqual(empty);
      });

      it('refuses an empty book, so a failed refresh never replaces a good one', async () => {
        await ledger.putPriceBook(priceBook('good', 1));
        clock.advance(1_000);
        await expect(ledger.putPriceBook(priceBook('empty', 0))).rejects.toThrow(/no offers/);
        expect((await ledger.getLatestPriceBook())?.id).toBe('good');
      });

      it('lists offers as unavailable only until their time is up', async () => {
        await ledger.markOfferUnavailable({
          offerId: 'b',
          until: '2026-03-01T12:10:00.000Z',
          reason: 'InsufficientInstanceCapacity',
        });
        await ledger.markOfferUnavailable({
          offerId: 'a',
          until: '2026-03-01T12:03:00.000Z',
          reason: 'InsufficientInstanceCapacity',
        });
        const early = await ledger.listUnavailableOffers('2026-03-01T12:01:00.000Z');
        expect(early.map((o) => o.offerId)).toEqual(['a', 'b']);
        const later = await ledger.listUnavailableOffers('2026-03-01T12:05:00.000Z');
        expect(later).toEqual([
          { offerId: 'b', until: '2026-03-01T12:10:00.000Z', reason: 'InsufficientInstanceCapacity' },
        ]);
      });
    });
  });
};
