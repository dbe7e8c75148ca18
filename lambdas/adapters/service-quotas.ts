import {
  GetAWSDefaultServiceQuotaCommand,
  GetServiceQuotaCommand,
  type ServiceQuota,
  type ServiceQuotasClient,
} from '@aws-sdk/client-service-quotas';
import { CloudApiError, type QuotaLimit } from '../core/cloud-ports.js';
import type { QuotaClass } from '../core/pricing/offer.js';

/** The part of the Service Quotas client used here; tests pass a fake replaying recorded answers. */
export type ServiceQuotasSender = Pick<ServiceQuotasClient, 'send'>;

/**
 * The EC2 vCPU quotas that bound accelerated capacity, by quota class. Codes are AWS's own
 * (Service Quotas console → Amazon EC2); G and VT share one quota per purchase option.
 */
export const EC2_ACCELERATOR_QUOTAS: readonly { readonly code: string; readonly quotaClass: QuotaClass }[] = [
  { code: 'L-417A185B', quotaClass: 'on-demand/P' },
  { code: 'L-DB2E81BA', quotaClass: 'on-demand/G' },
  { code: 'L-7212CCBC', quotaClass: 'spot/P' },
  { code: 'L-3819A6DF', quotaClass: 'spot/G' },
  { code: 'L-1216C47A', quotaClass: 'on-demand/Inf' },
  { code: 'L-B5D1601B', quotaClass: 'spot/Inf' },
  { code: 'L-2C3B7624', quotaClass: 'on-demand/Trn' },
  { code: 'L-6B0D517C', quotaClass: 'spot/Trn' },
];

const SERVICE_CODE = 'ec2';

const errorName = (err: unknown): string => (err instanceof Error ? err.name : 'Unknown');

/**
 * Reads the accelerated-family vCPU quotas of one region from Service Quotas.
 *
 * GetServiceQuota answers with the applied value; for a quota the account never changed it may
 * answer NoSuchResourceException, and then AWS's default (GetAWSDefaultServiceQuota) applies.
 */
export class ServiceQuotas {
  private readonly clientFor: (region: string) => ServiceQuotasSender;

  /** @param clientFor a Service Quotas client per region (quotas are regional) */
  constructor(clientFor: (region: string) => ServiceQuotasSender) {
    this.clientFor = clientFor;
  }

  /**
   * Every quota of {@link EC2_ACCELERATOR_QUOTAS} in `region`, in that order.
   *
   * @throws CloudApiError when a quota cannot be read at all (permissions, throttling)
   */
  async acceleratorQuotas(region: string): Promise<readonly QuotaLimit[]> {
    const client = this.clientFor(region);
    const limits: QuotaLimit[] = [];
    for (const { code, quotaClass } of EC2_ACCELERATOR_QUOTAS) {
      const { quota, isDefault } = await this.read(client, region, code);
      const value = quota?.Value;
      if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
        throw new CloudApiError(
          'GetServiceQuota',
          region,
          'InvalidValue',
          `${code} has no usable Value (${value})`,
        );
      }
      limits.push({ region, quotaCode: code, quotaClass, vcpus: value, isDefault });
    }
    return limits;
  }

  private async read(
    client: ServiceQuotasSender,
    region: string,
    code: string,
  ): Promise<{ quota: ServiceQuota | undefined; isDefault: boolean }> {
    const input = { ServiceCode: SERVICE_CODE, QuotaCode: code };
    try {
      const applied = await client.send(new GetServiceQuotaCommand(input));
      return { quota: applied.Quota, isDefault: false };
    } catch (err) {
      if (errorName(err) !== 'NoSuchResourceException') {
        throw new CloudApiError('GetServiceQuota', region, errorName(err), code, { cause: err });
      }
    }
    try {
      const fallback = await client.send(new GetAWSDefaultServiceQuotaCommand(input));
      return { quota: fallback.Quota, isDefault: true };
    } catch (err) {
      throw new CloudApiError('GetAWSDefaultServiceQuota', region, errorName(err), code, { cause: err });
    }
  }
}
