import { Stack, Validations } from 'aws-cdk-lib';
import type { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IConstruct } from 'constructs';

/**
 * cdk-nag (AwsSolutions) findings the design accepts, acknowledged through CDK's `Validations`
 * API (cdk-nag 3), each with its reason and scoped to one construct and, for IAM5, to the exact
 * wildcard resource it is about: a new wildcard anywhere else still fails the check.
 */

/** How cdk-nag names a resource in an IAM5 finding (its `flattenCfnReference`). */
const flatten = (node: unknown): string => {
  if (node === undefined) return '';
  if (typeof node === 'string') return node.replace(/\$\{/g, '<').replace(/\}/g, '>');
  if (typeof node === 'object' && node !== null) {
    const o = node as Record<string, unknown>;
    if (Array.isArray(o['Fn::Join'])) {
      const [delimiter, items] = o['Fn::Join'] as [string, unknown[]];
      return items.map(flatten).join(delimiter);
    }
    if (o['Fn::Sub'] !== undefined) return flatten(o['Fn::Sub']);
    if (Array.isArray(o['Fn::GetAtt'])) {
      const [resource, attribute] = o['Fn::GetAtt'] as [unknown, unknown];
      return `<${flatten(resource)}.${flatten(attribute)}>`;
    }
    if (o['Fn::ImportValue'] !== undefined) return flatten(o['Fn::ImportValue']);
    if (o.Ref !== undefined) return `<${flatten(o.Ref)}>`;
  }
  return JSON.stringify(node);
};

/**
 * Acknowledges AwsSolutions-IAM5 for each wildcard resource of `statements`, on `scope` (the role
 * the statements are attached to), with `reason`.
 */
export const acknowledgeWildcardResources = (
  scope: IConstruct,
  statements: readonly PolicyStatement[],
  reason: string,
): void => {
  const stack = Stack.of(scope);
  const ids = new Set<string>();
  for (const statement of statements) {
    for (const resource of statement.resources) {
      const flat = flatten(stack.resolve(resource));
      if (flat.includes('*')) ids.add(`AwsSolutions-IAM5[Resource::${flat}]`);
    }
  }
  if (ids.size > 0) Validations.of(scope).acknowledge(...[...ids].map((id) => ({ id, reason })));
};

/** Acknowledges `Resource: *` on a function role: X-Ray and read-only APIs without resource ARNs. */
export const acknowledgeStarResource = (role: IConstruct): void =>
  Validations.of(role).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason:
      'Resource * only for actions that support no resource-level permissions: X-Ray PutTraceSegments/PutTelemetryRecords (active tracing), EC2 Describe*, pricing:GetProducts and servicequotas:Get*ServiceQuota.',
  });

/** Acknowledges the one finding every function shares: the pinned runtime. */
export const acknowledgeRuntime = (fn: IConstruct): void =>
  Validations.of(fn).acknowledge({
    id: 'AwsSolutions-L1',
    reason:
      'Pinned to nodejs22.x, the Node version the bundles are built for (esbuild target node22) and tested on; a runtime upgrade is a deliberate, tested change.',
  });

/** Acknowledges the missing dead-letter queue of a queue that is itself the last stop for failures. */
export const acknowledgeFailureQueue = (queue: IConstruct, what: string): void =>
  Validations.of(queue).acknowledge({
    id: 'AwsSolutions-SQS3',
    reason: `${what}: nothing consumes it automatically, so it needs no dead-letter queue of its own; a message in it raises an alarm.`,
  });
