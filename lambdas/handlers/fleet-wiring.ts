import { createEc2Client } from '../adapters/ec2-client.js';
import { Ec2Fleet } from '../adapters/ec2-fleet.js';
import type { Fleet } from '../core/cloud-ports.js';
import type { HandlerConfig } from './config.js';
import { clientConfig } from './runtime.js';

/** The fleet of each region: one EC2 client per region, created on first use and reused. */
export const createFleetFor = (config: HandlerConfig): ((region: string) => Fleet) => {
  const fleets = new Map<string, Fleet>();
  return (region) => {
    let fleet = fleets.get(region);
    if (fleet === undefined) {
      fleet = new Ec2Fleet({ client: createEc2Client(clientConfig(config, region)), region });
      fleets.set(region, fleet);
    }
    return fleet;
  };
};
