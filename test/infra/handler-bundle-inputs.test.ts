import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { build, type Metafile } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { entryOf, HANDLER_NAMES, type HandlerName, lambdaBuildOptions } from '../../lib/bundle-settings.js';

const ROOT = resolve(import.meta.dirname, '../..');
const OUT = join(ROOT, '.tmp', 'bundle-inputs-test');

/** The SDK clients each function creates, and so the only ones its bundle may hold. */
const CLIENTS: Readonly<Record<HandlerName, readonly string[]>> = {
  intake: ['client-dynamodb'],
  // EC2: with preemption on, solve terminates the instances of the jobs it preempts (ADR 0016).
  solve: ['client-dynamodb', 'client-ec2', 'client-sqs'],
  provision: ['client-dynamodb', 'client-ec2'],
  events: ['client-dynamodb', 'client-ec2'],
  'price-refresh': ['client-dynamodb', 'client-ec2', 'client-pricing', 'client-service-quotas'],
  reconcile: ['client-dynamodb', 'client-ec2', 'client-sqs'],
  report: ['client-dynamodb'],
  'monthly-export': ['client-dynamodb', 'client-s3'],
  'bill-reconcile': ['client-dynamodb', 'client-s3'],
  digest: ['client-dynamodb', 'client-kms', 'client-s3'],
};

const packagesOf = (metafile: Metafile): Set<string> =>
  new Set(
    Object.keys(metafile.inputs).flatMap((path) => {
      const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
      return match?.[1] === undefined ? [] : [match[1]];
    }),
  );

const bundleTo = async (name: string, entry: string) => {
  const dir = join(OUT, name);
  mkdirSync(dir, { recursive: true });
  const result = await build({
    ...lambdaBuildOptions(ROOT),
    entryPoints: [entry],
    outfile: join(dir, 'index.mjs'),
    metafile: true,
    logLevel: 'error',
  });
  return { file: join(dir, 'index.mjs'), metafile: result.metafile };
};

/** Runs `node -e script` with exactly `env` (plus PATH), resolving with its exit code and output. */
const runNode = (script: string, env: Record<string, string>) =>
  new Promise<{ code: number | null; stdout: string; stderr: string }>((done) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      env: { PATH: process.env.PATH ?? '', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.on('close', (code) => done({ code, stdout, stderr }));
  });

describe('what each Lambda bundle holds (deployed esbuild settings)', () => {
  it.each(HANDLER_NAMES)(
    '%s holds only the SDK clients it creates, no X-Ray SDK and no inlined price book',
    async (name) => {
      const { metafile } = await bundleTo(name, join(ROOT, entryOf(name)));
      const packages = packagesOf(metafile);
      const clients = [...packages].filter((p) => p.startsWith('@aws-sdk/client-')).map((p) => p.slice(9));
      expect(clients.sort()).toEqual([...CLIENTS[name]].sort());
      expect(packages.has('aws-xray-sdk-core')).toBe(false);
      expect(packages.has('@aws-sdk/credential-provider-node')).toBe(false);
      expect(packages.has('@aws-sdk/nested-clients')).toBe(false);
      expect(Object.keys(metafile.inputs).some((p) => p.endsWith('data/price-book.json'))).toBe(false);
    },
    60_000,
  );
});

describe('credentials in a bundled function', () => {
  const probeSource = [
    "import { ListTablesCommand } from '@aws-sdk/client-dynamodb';",
    `import { createDynamoDbClient } from ${JSON.stringify(join(ROOT, 'lambdas/adapters/dynamodb-client.ts'))};`,
    'const client = createDynamoDbClient({ region: "us-east-1", endpoint: process.env.PROBE_ENDPOINT, maxAttempts: 1 });',
    'export const probe = () => client.send(new ListTablesCommand({}));',
    '',
  ].join('\n');

  const startEndpoint = async () => {
    const seen: IncomingHttpHeaders[] = [];
    const server = createServer((req, res) => {
      seen.push(req.headers);
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
        res.end('{"TableNames":["qm-ledger"]}');
      });
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    const { port } = server.address() as AddressInfo;
    return { seen, endpoint: `http://127.0.0.1:${port}`, close: () => server.close() };
  };

  it('signs requests with the AWS_* environment credentials, as Lambda passes them', async () => {
    const entry = join(OUT, 'probe.ts');
    mkdirSync(OUT, { recursive: true });
    writeFileSync(entry, probeSource);
    const { file } = await bundleTo('probe', entry);
    const server = await startEndpoint();
    try {
      const script = `const m = await import(${JSON.stringify(file)}); const r = await m.probe(); process.stdout.write(JSON.stringify(r.TableNames));`;
      const run = await runNode(script, {
        PROBE_ENDPOINT: server.endpoint,
        AWS_ACCESS_KEY_ID: 'AKIAENVONLYPROBE',
        AWS_SECRET_ACCESS_KEY: 'secret',
        AWS_SESSION_TOKEN: 'session-token-from-env',
      });
      expect(run.stderr).not.toMatch(/Error/);
      expect(run.stdout).toBe('["qm-ledger"]');
      expect(server.seen).toHaveLength(1);
      expect(server.seen[0]?.authorization).toMatch(
        /^AWS4-HMAC-SHA256 Credential=AKIAENVONLYPROBE\/\d{8}\/us-east-1\/dynamodb\/aws4_request/,
      );
      expect(server.seen[0]?.['x-amz-security-token']).toBe('session-token-from-env');
    } finally {
      server.close();
    }
  }, 60_000);

  it('reads no other source: with a shared credentials file but no variables it fails before sending', async () => {
    const { file } = await bundleTo('probe', join(OUT, 'probe.ts'));
    const dir = join(OUT, 'home');
    mkdirSync(join(dir, '.aws'), { recursive: true });
    writeFileSync(
      join(dir, '.aws', 'credentials'),
      '[default]\naws_access_key_id = AKIAFROMFILE\naws_secret_access_key = s\n',
    );
    const server = await startEndpoint();
    try {
      const script = `const m = await import(${JSON.stringify(file)}); try { await m.probe(); } catch (e) { process.stdout.write(e.name + ': ' + e.message); }`;
      const run = await runNode(script, {
        PROBE_ENDPOINT: server.endpoint,
        HOME: dir,
        AWS_SHARED_CREDENTIALS_FILE: join(dir, '.aws', 'credentials'),
      });
      expect(run.stdout).toBe('CredentialsProviderError: Unable to find environment variable credentials.');
      expect(server.seen).toHaveLength(0);
    } finally {
      server.close();
    }
  }, 60_000);
});
