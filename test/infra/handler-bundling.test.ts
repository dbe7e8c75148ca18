import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { describe, expect, it } from 'vitest';
import { createHandlerFunction } from '../../lib/handler-function.js';

const ROOT = resolve(import.meta.dirname, '../..');

describe('Handler bundling with local esbuild', () => {
  it('bundles the solve handler as minified ESM with a source map, and the HiGHS WebAssembly and the price book beside it', () => {
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
    expect(readFileSync(join(assetDir, 'price-book.json'), 'utf8')).toBe(
      readFileSync(join(ROOT, 'data/price-book.json'), 'utf8'),
    );
    const source = readFileSync(join(assetDir, 'index.mjs'), 'utf8');
    expect(source.startsWith("import { createRequire as qmCreateRequire } from 'node:module';")).toBe(true);
    // Minified: lines run to thousands of characters (only template literals keep newlines).
    expect(source.length / source.split('\n').length).toBeGreaterThan(2000);
    // The env-only credential provider replaced the default chain (BUNDLE_ALIASES): no web
    // identity or ini-file providers, and the price book is not inlined.
    expect(source).toContain('AWS_SESSION_TOKEN');
    expect(source).not.toContain('AWS_WEB_IDENTITY_TOKEN_FILE');
    expect(source).not.toContain('credential_process');
    expect(source).not.toContain('Every offer keeps the source and as-of date of its price');
    // The bundle loads as the runtime loads it, without reading the environment at import.
    const url = pathToFileURL(join(assetDir, 'index.mjs')).href;
    const loaded = spawnSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `const m = await import(${JSON.stringify(url)}); process.stdout.write(typeof m.handler);`,
      ],
      { encoding: 'utf8', env: { PATH: process.env.PATH ?? '' } },
    );
    expect(loaded.stderr).toBe('');
    expect(loaded.stdout).toBe('function');
  }, 120_000);
});
