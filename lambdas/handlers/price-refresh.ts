import { PricingClient } from '@aws-sdk/client-pricing';
import { ServiceQuotasClient } from '@aws-sdk/client-service-quotas';
import type { ScheduledEvent } from 'aws-lambda';
import { createEc2Client } from '../adapters/ec2-client.js';
import { Ec2Market } from '../adapters/ec2-market.js';
import { priceBookAssetLoader } from '../adapters/price-book-asset.js';
import { ServiceQuotas } from '../adapters/service-quotas.js';
import {
  isRefreshScope,
  REFRESH_SCOPES,
  type RefreshPricesDeps,
  type RefreshPricesOutcome,
  type RefreshScope,
  refreshPrices,
} from '../core/use-cases/refresh-prices.js';
import { createLedger } from './ledger-wiring.js';
import { createObservability, MetricUnit, type Observability, withObservability } from './middleware.js';
import { lazyHandler, sharedConfig, systemClock } from './runtime.js';

export interface PriceRefreshHandlerDeps extends RefreshPricesDeps {
  readonly obs: Observability;
}

/** The schedules send `{ scope }` as the rule's input; a test invocation may send nothing. */
export type RefreshEvent = ScheduledEvent | { readonly scope?: unknown } | Record<string, never>;

/** @throws TypeError naming the bad scope, so a mistyped schedule input fails loudly */
export const scopeOf = (event: RefreshEvent | null | undefined): RefreshScope => {
  const scope = event !== null && typeof event === 'object' && 'scope' in event ? event.scope : undefined;
  if (scope === undefined) return 'all';
  if (isRefreshScope(scope)) return scope;
  throw new TypeError(
    `price-refresh: event.scope ${JSON.stringify(scope)} is not one of ${REFRESH_SCOPES.join(', ')}`,
  );
};

/**
 * The price-refresh Lambda (schedule). A kept book is not an error: the reason is logged and
 * counted (`PriceBookKept`), so an alarm can fire when refreshes keep failing.
 */
export const makeHandler = (deps: PriceRefreshHandlerDeps) =>
  withObservability(deps.obs, async (event: RefreshEvent): Promise<RefreshPricesOutcome> => {
    const outcome = await refreshPrices(deps, scopeOf(event));
    for (const e of outcome.fetchErrors) deps.obs.logger.error('price fetch failed', { error: e });
    if (outcome.kind === 'kept') {
      deps.obs.logger.warn('price book kept', {
        rule: outcome.rule,
        reason: outcome.reason,
        bookId: outcome.bookId,
      });
      deps.obs.metrics.addMetric('PriceBookKept', MetricUnit.Count, 1);
    } else {
      deps.obs.logger.info('price book stored', {
        bookId: outcome.bookId,
        offers: outcome.offers,
        scope: outcome.reads.scope,
      });
      deps.obs.metrics.addMetric('PriceBookStored', MetricUnit.Count, 1);
    }
    return outcome;
  });

/** The deployed entry point. */
export const handler = lazyHandler(async () => {
  const config = sharedConfig();
  const endpoint = config.endpoint === undefined ? {} : { endpoint: config.endpoint };
  // The Price List API answers in a few regions only; us-east-1 serves every region's prices.
  const pricing = new PricingClient({ region: 'us-east-1', ...endpoint });
  const quotaClients = new Map<string, ServiceQuotasClient>();
  const ec2Clients = new Map<string, ReturnType<typeof createEc2Client>>();
  const market = new Ec2Market({
    ec2For: (region) => {
      let client = ec2Clients.get(region);
      if (client === undefined) {
        client = createEc2Client({ region, ...endpoint });
        ec2Clients.set(region, client);
      }
      return client;
    },
    pricing,
    quotas: new ServiceQuotas((region) => {
      let client = quotaClients.get(region);
      if (client === undefined) {
        client = new ServiceQuotasClient({ region, ...endpoint });
        quotaClients.set(region, client);
      }
      return client;
    }),
    clock: systemClock,
  });
  return makeHandler({
    ledger: createLedger(config, systemClock),
    market,
    clock: systemClock,
    // Read from the file shipped beside the bundle when first needed, not inlined into the code.
    fallbackPriceBook: priceBookAssetLoader(),
    regions: config.regions,
    obs: createObservability('price-refresh'),
  });
});
