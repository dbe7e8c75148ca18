import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { describe, expect, it } from 'vitest';
import { createHandlerFunction } from '../../lib/handler-function.js';

const ROOT = resolve(import.meta.dirname, '../..');

describe('Handler bundling with local esbuild', () => {
  it('bundles the solve handler as minified ESM with a source map and the HiGHS WebAssembly beside it', () => {
    const app = new App({ outdir: join(ROOT, '.tmp', 'bundling-test') });
    const stack = new Stack(app, 'Bundling', { env: { account: '123456789012', region: 'us-east-1' } });
    const fn = createHandlerFunction(stack, 'Solve', {
      name: 'solve',
      functionName: 'bundling-solve',
      role: new Role(stack, 'Role', { assumedBy: new ServicePrincipal('lambda.amazonaws.com') }),
      timeout: Duration.seconds(60),
      memorySize: 1024,
      environment: {},
      logGroup: new LogGroup(stack, 'Logs'),
      projectRoot: ROOT,
    });
    const assembly = app.synth();
    const code = (fn.node.defaultChild as unknown as { code: { s3Key: string } }).code;
    const assetDir = join(assembly.directory, `asset.${code.s3Key.replace(/\.zip$/, '')}`);
    expect(existsSync(join(assetDir, 'index.mjs'))).toBe(true);
    expect(existsSync(join(assetDir, 'index.mjs.map'))).toBe(true);
    expect(statSync(join(assetDir, 'highs.wasm')).size).toBe(
      statSync(join(ROOT, 'node_modules/highs/build/highs.wasm')).size,
    );
    const source = readFileSync(join(assetDir, 'index.mjs'), 'utf8');
    expect(source.startsWith("import { createRequire as qmCreateRequire } from 'node:module';")).toBe(true);
    // Minified: lines run to thousands of characters (only template literals keep newlines).
    expect(source.length / source.split('\n').length).toBeGreaterThan(2000);
  }, 120_000);
});
