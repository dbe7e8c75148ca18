#!/usr/bin/env node
import { App } from 'aws-cdk-lib';
import { FEATURE_FLAGS } from '../lib/feature-flags.js';
import { propsFromContext } from '../lib/props-from-context.js';
import { QuartermasterStack } from '../lib/quartermaster-stack.js';

/**
 * CDK app entry (`npx cdk synth` / `deploy`, see cdk.json): one Quartermaster stack configured by
 * the `quartermaster` context value. docs/deploy.md describes the keys.
 */
const app = new App({ context: FEATURE_FLAGS });
const { props, env } = propsFromContext(app.node.tryGetContext('quartermaster'), process.cwd());
const stackName: unknown = app.node.tryGetContext('stackName');
const prebundled: unknown = app.node.tryGetContext('prebundledCodeDir');
new QuartermasterStack(app, typeof stackName === 'string' ? stackName : 'Quartermaster', {
  env,
  description: 'Quartermaster: GPU job allocation and cost accounting',
  quartermaster: { ...props, ...(typeof prebundled === 'string' ? { prebundledCodeDir: prebundled } : {}) },
});
