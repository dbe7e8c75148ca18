import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { HANDLER_NAMES } from '../../lib/bundle-settings.js';
import { FEATURE_FLAGS } from '../../lib/feature-flags.js';
import type { QuartermasterProps } from '../../lib/quartermaster-props.js';
import { QuartermasterStack } from '../../lib/quartermaster-stack.js';

/**
 * Stacks for the infra tests. Handler code is a stub per function (`prebundledCodeDir`), so these
 * tests check the template in well under a second per stack; real esbuild bundling has its own
 * test (handler-bundling.test.ts) and runs in `npm run cfn-lint`.
 */

export const ACCOUNT = '123456789012';
export const REGION = 'us-east-1';
export const WORKER_ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/gpu-worker`;

let stubDir: string | undefined;

/** A directory with `<handler>/index.mjs` for every function, made once per test file. */
export const stubCodeDir = (): string => {
  if (stubDir !== undefined) return stubDir;
  const dir = mkdtempSync(join(tmpdir(), 'qm-stub-code-'));
  for (const name of HANDLER_NAMES) {
    mkdirSync(join(dir, name));
    writeFileSync(join(dir, name, 'index.mjs'), 'export const handler = async () => ({});\n');
  }
  stubDir = dir;
  return dir;
};

/** Props of a full deployment: two regions, teams, quotas and a worker. */
export const fullProps = (): QuartermasterProps => ({
  provisioningRegions: ['us-east-1', 'us-west-2'],
  teams: [
    { name: 'vision', weight: 2, monthlyBudgetUsd: 60_000 },
    { name: 'nlp', weight: 3, monthlyBudgetUsd: 120_000 },
  ],
  quotas: {
    asOf: '2026-11-01',
    defaultVcpus: 0,
    quotas: [{ region: 'us-east-1', class: 'on-demand/P', vcpus: 384 }],
  },
  worker: {
    launchTemplate: { id: 'lt-0123456789abcdef0', version: '3' },
    subnetIds: ['subnet-0123456789abcdef0'],
    securityGroupIds: ['sg-0123456789abcdef0'],
    instanceRoleArn: WORKER_ROLE_ARN,
  },
  prebundledCodeDir: stubCodeDir(),
});

/** Synthesizes a stack in a fixed account and region. */
export const synthStack = (props: QuartermasterProps = fullProps()) => {
  const app = new App({ context: FEATURE_FLAGS });
  const stack = new QuartermasterStack(app, 'Qm', {
    env: { account: ACCOUNT, region: REGION },
    quartermaster: props,
  });
  return { app, stack, template: Template.fromStack(stack) };
};

/** The environment variables of the function named `quartermaster-<name>`. */
export const environmentOf = (template: Template, name: string): Record<string, unknown> => {
  const fns = template.findResources('AWS::Lambda::Function', {
    Properties: { FunctionName: `quartermaster-${name}` },
  });
  const fn = Object.values(fns)[0] as
    | { Properties: { Environment: { Variables: Record<string, unknown> } } }
    | undefined;
  if (fn === undefined) throw new Error(`no function quartermaster-${name}`);
  return fn.Properties.Environment.Variables;
};

/** A policy document's statements, from a role logical id's inline policies. */
export type Statement = {
  readonly Sid?: string;
  readonly Effect: string;
  readonly Action: string | string[];
  readonly Resource: unknown;
  readonly Condition?: Record<string, Record<string, unknown>>;
};

/** Every statement attached to the role of the function `functionName`, via its policies. */
export const statementsOf = (template: Template, functionName: string): Statement[] => {
  const fns = template.findResources('AWS::Lambda::Function', { Properties: { FunctionName: functionName } });
  const fn = Object.values(fns)[0] as
    | { Properties: { Role: { 'Fn::GetAtt': [string, string] } } }
    | undefined;
  if (fn === undefined) throw new Error(`no function named ${functionName}`);
  const roleId = fn.Properties.Role['Fn::GetAtt'][0];
  const policies = template.findResources('AWS::IAM::Policy');
  return Object.values(policies)
    .filter((p) =>
      (p as { Properties: { Roles: { Ref: string }[] } }).Properties.Roles.some((r) => r.Ref === roleId),
    )
    .flatMap(
      (p) =>
        (p as { Properties: { PolicyDocument: { Statement: Statement[] } } }).Properties.PolicyDocument
          .Statement,
    );
};

/** The actions of statements, flattened. */
export const actionsOf = (statements: readonly Statement[]): string[] =>
  statements.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));
