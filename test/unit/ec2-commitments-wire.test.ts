import { Readable } from 'node:stream';
import {
  DescribeCapacityReservationsCommand,
  DescribeReservedInstancesCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import { readCapacityReservations } from '../../lambdas/adapters/capacity-reservations.js';
import { readReservedInstances } from '../../lambdas/adapters/reserved-instances.js';
import { readAwsFixture } from '../fixtures/aws/recorded-client.js';

/**
 * The recorded EC2 commitment responses through the real EC2 client: each JSON recording is sent
 * as the EC2 query protocol's XML, and the client's own deserializer must give the recording
 * back. A member the recording names wrong, or a value of the wrong type, comes back missing or
 * changed, so this holds the recordings to the shapes EC2 really sends.
 */

/**
 * EC2's XML names: the member name with a lower-case first letter, except these lists, as the
 * client's schema names them (`reservedInstancesSet`, …). List entries are `<item>`s.
 */
const LIST_NAMES: Readonly<Record<string, string>> = {
  ReservedInstances: 'reservedInstancesSet',
  CapacityReservations: 'capacityReservationSet',
  Tags: 'tagSet',
  CapacityAllocations: 'capacityAllocationSet',
};

const xmlOf = (value: unknown): string => {
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map((v) => `<item>${xmlOf(v)}</item>`).join('');
  if (typeof value === 'object' && value !== null)
    return Object.entries(value)
      .map(([key, v]) => {
        const name = LIST_NAMES[key] ?? `${key[0]?.toLowerCase()}${key.slice(1)}`;
        return `<${name}>${xmlOf(v)}</${name}>`;
      })
      .join('');
  return String(value);
};

const withoutMetadata = (path: string): Record<string, unknown> => {
  const { $metadata: _, ...output } = readAwsFixture<Record<string, unknown>>(path);
  return output;
};

/** An EC2 client whose transport answers each call with the next recording, as XML. */
const ec2Replaying = (action: string, paths: readonly string[]) => {
  const pages = [...paths];
  return new EC2Client({
    region: 'us-east-1',
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    maxAttempts: 1,
    requestHandler: {
      handle: async () => {
        const path = pages.shift();
        if (path === undefined) throw new Error(`no recorded ${action} left`);
        const xml = `<?xml version="1.0" encoding="UTF-8"?><${action}Response xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>${String(readAwsFixture<{ $metadata: { requestId: string } }>(path).$metadata.requestId)}</requestId>${xmlOf(withoutMetadata(path))}</${action}Response>`;
        return {
          response: {
            statusCode: 200,
            headers: { 'content-type': 'text/xml;charset=UTF-8' },
            body: Readable.from([Buffer.from(xml)]),
          },
        };
      },
    },
  });
};

const NOW = new Date('2026-11-26T21:15:00Z');

describe('the recorded EC2 commitment responses through the EC2 client', () => {
  it('DescribeReservedInstances deserializes to the recording', async () => {
    const path = 'ec2/describe-reserved-instances.json';
    const client = ec2Replaying('DescribeReservedInstances', [path]);
    const { $metadata: _, ...output } = await client.send(new DescribeReservedInstancesCommand({}));
    expect(output).toEqual(withoutMetadata(path));
  });

  it('DescribeCapacityReservations deserializes to the recordings, page by page', async () => {
    const paths = [
      'ec2/describe-capacity-reservations-page-1.json',
      'ec2/describe-capacity-reservations-page-2.json',
    ];
    const client = ec2Replaying('DescribeCapacityReservations', paths);
    for (const path of paths) {
      const { $metadata: _, ...output } = await client.send(new DescribeCapacityReservationsCommand({}));
      expect(output).toEqual(withoutMetadata(path));
    }
  });

  it('reads the same commitments off the wire as from the recordings', async () => {
    const ri = await readReservedInstances(
      ec2Replaying('DescribeReservedInstances', ['ec2/describe-reserved-instances.json']),
      'us-east-1',
      NOW,
    );
    expect(
      ri.commitments.map((c) => (c.kind === 'reserved-instance' ? [c.id, c.effectiveHourlyUsd] : [])),
    ).toEqual([
      ['e5a2ff3b-7d14-4b92-9a0c-3f1e8d6b2c47', 13.174516],
      ['0b7d4c1a-93e6-4f25-8a1d-6c2e5f9b3a08', 2.836],
      ['9a3e6f20-4b8c-4d17-b5e2-7f0c1d8a6e94', 0.5069],
    ]);
    const cr = await readCapacityReservations(
      ec2Replaying('DescribeCapacityReservations', [
        'ec2/describe-capacity-reservations-page-1.json',
        'ec2/describe-capacity-reservations-page-2.json',
      ]),
      'us-east-1',
      NOW,
    );
    expect(cr.commitments.map((c) => [c.kind, c.id, c.end])).toEqual([
      ['capacity-reservation', 'cr-0a1b2c3d4e5f60718', null],
      ['capacity-block', 'cr-0c1d2e3f4a5b6c7d8', '2026-12-09T11:30:00.000Z'],
      ['capacity-reservation', 'cr-05e6f7a8b9c0d1e23', '2026-12-31T00:00:00.000Z'],
    ]);
    expect(cr.skipped.map((s) => s.id)).toEqual(['cr-0f9e8d7c6b5a40312']);
  });
});
