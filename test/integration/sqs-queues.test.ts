import { beforeAll } from 'vitest';
import { createSqsClient } from '../../lambdas/adapters/aws-clients.js';
import { QUEUE_DEFINITIONS } from '../../lambdas/adapters/queue-definitions.js';
import { createQueues, SqsJobQueues } from '../../lambdas/adapters/sqs-queues.js';
import { motoClientConfig, resetMoto } from '../support/moto.js';
import { describeQueuesContract } from '../support/queues-contract.js';

let client: ReturnType<typeof createSqsClient>;
let sets = 0;

beforeAll(async () => {
  await resetMoto();
  client = createSqsClient(motoClientConfig());
});

// Fresh queues per test under a new prefix; moto keeps time in real seconds.
describeQueuesContract('SqsJobQueues on moto', async () => {
  sets += 1;
  const urls = await createQueues(client, QUEUE_DEFINITIONS, `qm-t${sets}`);
  return {
    queues: new SqsJobQueues({ client, urls }),
    elapse: (seconds) => new Promise((resolve) => setTimeout(resolve, seconds * 1000)),
  };
});
