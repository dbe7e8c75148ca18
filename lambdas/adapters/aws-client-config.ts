/**
 * Where and how SDK clients connect. Adapters never read `process.env`: handlers and the CLI
 * build this once in their config module (e.g. `endpoint` from `AWS_ENDPOINT_URL` for moto).
 */
export interface AwsClientConfig {
  /**
   * The region; when absent the SDK resolves it itself, as every AWS tool does: `AWS_REGION`, then
   * the `region` of the profile (`AWS_PROFILE`, else `default`) in the shared config file
   * (`~/.aws/config` or `AWS_CONFIG_FILE`). The CLI relies on this; handlers always pass one.
   */
  readonly region?: string;
  /** Override endpoint (moto, LocalStack); the SDK's regional default when absent. */
  readonly endpoint?: string;
  /** Attempts per call including the first; the SDK default (3) when absent. */
  readonly maxAttempts?: number;
}

const REGION = /^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d$/;

/**
 * The SDK client options for a validated {@link AwsClientConfig}. Shared by the one-client
 * factories (`dynamodb-client.ts`, `sqs-client.ts`, `ec2-client.ts`), which live in separate files
 * so a Lambda bundle holds only the SDK clients its handler creates.
 * @throws TypeError naming the bad field and the value received
 */
export const sdkClientOptions = (
  config: AwsClientConfig,
): { region?: string; endpoint?: string; maxAttempts?: number } => {
  if (config.region !== undefined && !REGION.test(config.region)) {
    throw new TypeError(`AwsClientConfig.region: ${JSON.stringify(config.region)} is not an AWS region code`);
  }
  if (config.endpoint !== undefined && !/^https?:\/\/[^\s/]+/.test(config.endpoint)) {
    throw new TypeError(`AwsClientConfig.endpoint: ${JSON.stringify(config.endpoint)} is not an http(s) URL`);
  }
  if (
    config.maxAttempts !== undefined &&
    !(Number.isInteger(config.maxAttempts) && config.maxAttempts >= 1)
  ) {
    throw new TypeError(`AwsClientConfig.maxAttempts: ${config.maxAttempts} must be an integer ≥ 1`);
  }
  return {
    ...(config.region === undefined ? {} : { region: config.region }),
    ...(config.endpoint === undefined ? {} : { endpoint: config.endpoint }),
    ...(config.maxAttempts === undefined ? {} : { maxAttempts: config.maxAttempts }),
  };
};
