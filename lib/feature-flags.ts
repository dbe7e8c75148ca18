/**
 * CDK feature flags the app is synthesized with (what `cdk init` would put in cdk.json), in code
 * so the app entry and the tests synthesize the same template.
 */
export const FEATURE_FLAGS: Readonly<Record<string, boolean>> = {
  // Access-log delivery through a bucket policy instead of the legacy ACL.
  '@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy': true,
  '@aws-cdk/aws-iam:minimizePolicies': true,
  '@aws-cdk/aws-kms:reduceCrossAccountRegionPolicyScope': true,
  '@aws-cdk/core:enablePartitionLiterals': true,
  '@aws-cdk/aws-lambda:recognizeLayerVersion': true,
};
