import { ServiceQuotasServiceException } from '@aws-sdk/client-service-quotas';
import { describe, expect, it } from 'vitest';
import { ServiceQuotas, type ServiceQuotasSender } from '../../../lambdas/adapters/service-quotas.js';
import type { Market } from '../../../lambdas/core/cloud-ports.js';
import { intakeMessage } from '../../../lambdas/core/use-cases/intake-message.js';
import { refreshPrices } from '../../../lambdas/core/use-cases/refresh-prices.js';
import { runSolve } from '../../../lambdas/core/use-cases/run-solve.js';
import { scopeOf } from '../../../lambdas/handlers/price-refresh.js';
import { RecordedClient, readAwsFixture } from '../../fixtures/aws/recorded-client.js';
import { makeWorld, P4DE_SPEC, REGION, requestBody } from './world.js';

type Recorded = Record<string, { error?: { name: string; message: string } } & Record<string, unknown>>;

/** Service Quotas as recorded in us-east-1: on-demand/P and spot/P are 384 vCPUs each. */
const recordedQuotas = () => {
  const byCode =
    (recorded: Recorded) =>
    (input: Record<string, unknown>): unknown => {
      const answer = recorded[String(input.QuotaCode)];
      if (answer?.error === undefined) return answer;
      return new ServiceQuotasServiceException({
        name: answer.error.name,
        message: answer.error.message,
        $fault: 'client',
        $metadata: { httpStatusCode: 400 },
      });
    };
  return new RecordedClient({
    GetServiceQuotaCommand: byCode(readAwsFixture('service-quotas/get-service-quota-us-east-1.json')),
    GetAWSDefaultServiceQuotaCommand: byCode(
      readAwsFixture('service-quotas/get-aws-default-service-quota-us-east-1.json'),
    ),
  });
};

/** A market whose prices are fixed and whose quotas come from the Service Quotas adapter, counting reads. */
const countingMarket = (client = recordedQuotas()) => {
  const serviceQuotas = new ServiceQuotas(() => client.as<ServiceQuotasSender>());
  const reads = { onDemand: 0, spot: 0, specs: 0, quotas: 0 };
  let spotPrice = 13.1;
  const market: Market = {
    describeGpuInstanceTypes: async () => {
      reads.specs += 1;
      return [P4DE_SPEC];
    },
    onDemandPrices: async () => {
      reads.onDemand += 1;
      return [
        {
          instanceType: 'p4de.24xlarge',
          region: REGION,
          priceUsdPerHour: 40.96,
          effectiveDate: '2026-03-01T00:00:00Z',
          sku: 'SKU1',
        },
      ];
    },
    spotPrices: async () => {
      reads.spot += 1;
      return [
        {
          instanceType: 'p4de.24xlarge',
          region: REGION,
          availabilityZone: 'us-east-1a',
          priceUsdPerHour: spotPrice,
          timestamp: '2026-03-01T11:00:00Z',
        },
      ];
    },
    quotas: async (region) => {
      reads.quotas += 1;
      return serviceQuotas.acceleratorQuotas(region);
    },
  };
  return { market, reads, setSpotPrice: (p: number) => (spotPrice = p) };
};

const world = async () => {
  const w = await makeWorld();
  const m = countingMarket();
  const refreshDeps = {
    ledger: w.ledger,
    clock: w.clock,
    fallbackPriceBook: w.solveDeps.fallbackPriceBook,
    regions: [REGION],
    market: m.market,
  };
  return { ...w, ...m, refreshDeps };
};

describe('live quotas on the deployed path', () => {
  it('stores the quotas Service Quotas reports with the refreshed book', async () => {
    const w = await world();
    const outcome = await refreshPrices(w.refreshDeps, 'on-demand');
    expect(outcome).toMatchObject({
      kind: 'stored',
      reads: { scope: 'on-demand', onDemandPrices: true, quotas: true },
    });
    const book = await w.ledger.getLatestPriceBook();
    expect(book?.quotas?.find((q) => q.quotaClass === 'spot/P')).toMatchObject({
      vcpus: 384,
      quotaCode: 'L-7212CCBC',
    });
    expect(book?.quotas).toHaveLength(8);
  });

  it('limits a plan by the quota read from Service Quotas, with configuration as an override', async () => {
    const w = await world();
    await refreshPrices(w.refreshDeps, 'all');
    // Ten 8-GPU A100 jobs of 96 vCPUs each: 384 spot/P + 384 on-demand/P vCPUs hold eight.
    for (let i = 0; i < 10; i += 1)
      await intakeMessage(w, { messageId: `m-${i}`, body: requestBody(`job-${i}`) });
    const report = await runSolve(w.solveDeps);
    expect(report.allocated).toHaveLength(8);
    expect(report.waiting).toHaveLength(2);
    expect(report.waiting.every((j) => j.binding.kind === 'quota')).toBe(true);

    const configured = await world();
    await refreshPrices(configured.refreshDeps, 'all');
    for (let i = 0; i < 10; i += 1)
      await intakeMessage(configured, { messageId: `m-${i}`, body: requestBody(`job-${i}`) });
    const overridden = await runSolve({
      ...configured.solveDeps,
      quotas: { defaultVcpus: null, limits: new Map([[`${REGION}|spot/P`, 96]]) },
    });
    // spot/P is configured down to one instance; on-demand/P keeps the account's 384.
    expect(overridden.allocated).toHaveLength(5);
  });

  it('plans without limits when no live book holds quotas and none are configured', async () => {
    const w = await world();
    for (let i = 0; i < 10; i += 1)
      await intakeMessage(w, { messageId: `m-${i}`, body: requestBody(`job-${i}`) });
    expect((await runSolve(w.solveDeps)).allocated).toHaveLength(10);
  });
});

describe('the refresh scope', () => {
  it('reads spot prices only on the spot schedule, keeping the stored on-demand offers and quotas', async () => {
    const w = await world();
    await refreshPrices(w.refreshDeps, 'on-demand');
    const first = await w.ledger.getLatestPriceBook();
    const before = { ...w.reads };
    w.clock.advance(15 * 60_000);
    w.setSpotPrice(11.5);
    const outcome = await refreshPrices(w.refreshDeps, 'spot');
    expect(outcome).toMatchObject({
      kind: 'stored',
      reads: { scope: 'spot', onDemandPrices: false, quotas: false },
    });
    expect(w.reads.onDemand - before.onDemand).toBe(0);
    expect(w.reads.quotas - before.quotas).toBe(0);
    expect(w.reads.spot - before.spot).toBe(1);
    const book = await w.ledger.getLatestPriceBook();
    expect(book?.id).not.toBe(first?.id);
    expect(book?.offers.find((o) => o.purchaseOption === 'spot')?.priceUsdPerHour).toBe(11.5);
    const onDemand = (b: typeof book) => b?.offers.find((o) => o.purchaseOption === 'on-demand');
    expect(onDemand(book)).toMatchObject({
      priceUsdPerHour: 40.96,
      source: onDemand(first)?.source,
      asOf: onDemand(first)?.asOf,
    });
    expect(book?.quotas).toEqual(first?.quotas);
  });

  it('reads everything on the spot schedule when no book was ever stored', async () => {
    const w = await world();
    const outcome = await refreshPrices(w.refreshDeps, 'spot');
    expect(outcome).toMatchObject({
      kind: 'stored',
      reads: { scope: 'spot', onDemandPrices: true, quotas: true },
    });
    expect(w.reads.onDemand).toBe(1);
  });

  it('keeps the stored quotas of a region whose quotas cannot be read, and says so', async () => {
    const w = await world();
    await refreshPrices(w.refreshDeps, 'all');
    const stored = (await w.ledger.getLatestPriceBook())?.quotas;
    const denied = new RecordedClient({
      GetServiceQuotaCommand: () =>
        new ServiceQuotasServiceException({
          name: 'AccessDeniedException',
          message: 'not authorized',
          $fault: 'client',
          $metadata: { httpStatusCode: 403 },
        }),
    });
    const m = countingMarket(denied);
    m.setSpotPrice(12);
    w.clock.advance(60_000);
    const outcome = await refreshPrices({ ...w.refreshDeps, market: m.market }, 'all');
    expect(outcome.kind).toBe('stored');
    expect(outcome.fetchErrors.join()).toMatch(/us-east-1 quotas: .*AccessDeniedException/);
    expect((await w.ledger.getLatestPriceBook())?.quotas).toEqual(stored);
  });

  it('takes the scope from the schedule input and rejects one it does not know', () => {
    expect(scopeOf({ scope: 'spot' })).toBe('spot');
    expect(scopeOf({ scope: 'on-demand' })).toBe('on-demand');
    expect(scopeOf({})).toBe('all');
    expect(() => scopeOf({ scope: 'daily' })).toThrow(
      'event.scope "daily" is not one of all, spot, on-demand',
    );
  });
});
