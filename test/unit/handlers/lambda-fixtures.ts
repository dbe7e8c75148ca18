import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';

/** A Lambda context as the runtime passes it, with fixed values. */
export const lambdaContext = (functionName = 'qm-test'): Context => ({
  callbackWaitsForEmptyEventLoop: false,
  functionName,
  functionVersion: '$LATEST',
  invokedFunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:${functionName}`,
  memoryLimitInMB: '512',
  awsRequestId: 'c6af9ac6-7b61-11e6-9a41-93e812345678',
  logGroupName: `/aws/lambda/${functionName}`,
  logStreamName: '2026/03/01/[$LATEST]abcdef',
  // middy aborts an invocation when this runs out; moto on a busy machine needs minutes.
  getRemainingTimeInMillis: () => 900_000,
  done: () => undefined,
  fail: () => undefined,
  succeed: () => undefined,
});

/** An SQS event source batch. */
export const sqsEvent = (
  records: readonly { readonly messageId: string; readonly body: string; readonly groupId?: string }[],
  queueArn = 'arn:aws:sqs:us-east-1:123456789012:qm-job-requests.fifo',
): SQSEvent => ({
  Records: records.map(
    (r): SQSRecord => ({
      messageId: r.messageId,
      receiptHandle: `rh-${r.messageId}`,
      body: r.body,
      attributes: {
        ApproximateReceiveCount: '1',
        SentTimestamp: '1772366400000',
        SenderId: 'AIDAEXAMPLE',
        ApproximateFirstReceiveTimestamp: '1772366400000',
        ...(r.groupId === undefined
          ? {}
          : { MessageGroupId: r.groupId, MessageDeduplicationId: r.messageId }),
      },
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: queueArn,
      awsRegion: 'us-east-1',
    }),
  ),
});

/** A metrics sink that keeps what it is given. */
export const recordingMetrics = () => {
  const added: { name: string; value: number }[] = [];
  let published = 0;
  return {
    added,
    published: () => published,
    addMetric: (name: string, _unit: string, value: number) => {
      added.push({ name, value });
    },
    publishStoredMetrics: () => {
      published += 1;
    },
  };
};
