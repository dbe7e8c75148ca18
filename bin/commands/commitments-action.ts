import { PricingClient } from '@aws-sdk/client-pricing';
import type { Command } from 'commander';
import { createEc2Client } from '../../lambdas/adapters/ec2-client.js';
import { Ec2Market } from '../../lambdas/adapters/ec2-market.js';
import { savingsPlansReader } from '../../lambdas/adapters/savings-plans.js';
import { createSavingsPlansClient } from '../../lambdas/adapters/savingsplans-client.js';
import { ServiceQuotas } from '../../lambdas/adapters/service-quotas.js';
import { CommitmentsUnavailableError } from '../../lambdas/core/cloud-ports.js';
import { parseCommitments } from '../../lambdas/core/commitments/commitments-file.js';
import { OutputFileError, writeOutputText } from '../cli/output-file.js';
import type {
  CommitmentsCommandIo,
  CommitmentsOptions,
  CommitmentsSource,
  CommitmentsSourceRequest,
} from './commitments.js';
import { inputError, runtimeError } from './pipeline-target.js';

const NO_REGION = 'no AWS region: pass --region or set AWS_REGION';

/** The account through the AWS SDK: EC2 in the region, the Price List API and Savings Plans. */
const accountSource = (request: CommitmentsSourceRequest): CommitmentsSource => {
  const endpoint = request.endpoint === undefined ? {} : { endpoint: request.endpoint };
  const ec2 = createEc2Client({ region: request.region, ...endpoint });
  return new Ec2Market({
    ec2For: () => ec2,
    // The Price List API answers in us-east-1 for every region (Savings Plan discounts need it).
    pricing: new PricingClient({ region: 'us-east-1', ...endpoint }),
    quotas: new ServiceQuotas(() => {
      throw new Error('qm commitments reads no quotas');
    }),
    clock: { now: () => new Date() },
    ...(request.savingsPlans ? { savingsPlans: savingsPlansReader(createSavingsPlansClient(endpoint)) } : {}),
    onCommitmentsSkipped: (_region, skipped) => request.onLeftOut(skipped),
  });
};

/** `qm commitments`'s work, loaded only when the command runs (bin/commands/commitments.ts defines its flags). */
export const runCommitments = async (
  opts: CommitmentsOptions,
  command: Command,
  io: CommitmentsCommandIo,
): Promise<void> => {
  const env = io.env ?? process.env;
  const write = io.write ?? ((text: string) => process.stdout.write(text));
  const warn = io.warn ?? ((text: string) => process.stderr.write(text));
  const region = [opts.region, env.AWS_REGION, env.AWS_DEFAULT_REGION].find(
    (r) => r !== undefined && r !== '',
  );
  if (region === undefined) return inputError(command, NO_REGION);
  const now = opts.now ?? (io.now ?? (() => new Date().toISOString()))();
  if (Number.isNaN(Date.parse(now)))
    return inputError(command, `--now: ${JSON.stringify(now)} is not an ISO instant`);
  const asOf = new Date(now).toISOString();
  const endpoint = opts.endpointUrl ?? env.AWS_ENDPOINT_URL;
  const leftOut: string[] = [];
  const source = (io.source ?? accountSource)({
    region,
    ...(endpoint === undefined || endpoint === '' ? {} : { endpoint }),
    savingsPlans: opts.savingsPlans,
    onLeftOut: (found) => {
      for (const c of found) leftOut.push(`qm commitments: left out ${c.kind} ${c.id}: ${c.reason}\n`);
    },
  });
  let commitments: Awaited<ReturnType<CommitmentsSource['commitments']>>;
  try {
    commitments = await source.commitments(region, asOf);
  } catch (error) {
    if (error instanceof CommitmentsUnavailableError)
      return runtimeError(
        command,
        `${error.message}; grant the read (ADR 0015 names the calls), pass --no-savings-plans when only Savings Plans are refused, or keep a commitments file by hand`,
      );
    throw error;
  }
  for (const line of leftOut) warn(line);
  const file = {
    asOf,
    description: `Active commitments read from the account in ${region} at ${asOf} by qm commitments. Capacity reservations carry no rate (planning uses the on-demand price) and Capacity Blocks no price; Savings Plan discounts are derived from the plans' rates against public on-demand prices. Review before use.`,
    commitments,
  };
  // What is written must be a file `qm plan --commitments` and the CDK prop accept as it is.
  const checked = parseCommitments(JSON.parse(JSON.stringify(file)));
  if (!checked.ok)
    return runtimeError(
      command,
      `the commitments read do not form a valid file: ${checked.issues.map((i) => `${i.field}: ${i.message}`).join('; ')}`,
    );
  const text = `${JSON.stringify(file, null, 2)}\n`;
  if (opts.out === undefined) return write(text);
  try {
    await writeOutputText(opts.out, text);
  } catch (error) {
    if (error instanceof OutputFileError) return inputError(command, `--out: ${error.message}`);
    throw error;
  }
};
