import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { Template } from 'aws-cdk-lib/assertions';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QUEUE_DEFINITIONS, queueNames } from '../../lambdas/adapters/queue-definitions.js';
import { EVENTS_TABLE, LEDGER_TABLE } from '../../lambdas/adapters/table-definition.js';
import { HANDLER_NAMES } from '../../lib/bundle-settings.js';

/**
 * The package as a user gets it. `npm pack` runs the whole build (prepack: handler bundles and
 * declarations; prepare: modules, data, CLI); the tarball is installed into a scratch CDK app in a
 * temp folder, whose stack is docs/deploy.md's construct example, verbatim: it is type-checked
 * against the shipped declarations and synthesized, and the template is checked here. The
 * installed `qm` runs too.
 *
 * Dependencies: the local npm cache holds tarballs by integrity (as `npm ci` stored them) but not
 * the registry metadata that resolving the tarball's version ranges needs, so the scratch app
 * declares each dependency as a `file:` link into this repository's node_modules and installs
 * with `--offline`. npm then only unpacks the tarball (~2 s, against minutes to copy aws-cdk-lib)
 * and the installed package resolves aws-cdk-lib and constructs from the app, as a user's would.
 */

const ROOT = resolve(import.meta.dirname, '../..');
const run = promisify(execFile);
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  version: string;
  dependencies: Record<string, string>;
  peerDependencies: Record<string, string>;
};

/** The environment without the parent npm's `npm_*` settings, which would steer the child npm. */
const cleanEnv = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key)));

const sh = async (cwd: string, file: string, args: readonly string[], env: Record<string, string> = {}) => {
  try {
    return await run(file, [...args], { cwd, env: { ...cleanEnv, ...env }, maxBuffer: 64 * 2 ** 20 });
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`${file} ${args.join(' ')} failed in ${cwd}:\n${stdout ?? ''}\n${stderr ?? ''}`);
  }
};

/** The first TypeScript block of docs/deploy.md that imports the construct from the package. */
const deployExample = (): string => {
  const markdown = readFileSync(join(ROOT, 'docs/deploy.md'), 'utf8');
  const block = [...markdown.matchAll(/```ts\n([\s\S]*?)```/g)]
    .map((m) => m[1] ?? '')
    .find((code) => code.includes("from 'quartermaster/cdk'"));
  if (block === undefined) throw new Error("docs/deploy.md has no ts block importing 'quartermaster/cdk'");
  return block;
};

/** The producer client as a service would use it: only checked against the shipped types. */
const PRODUCER_EXAMPLE = `import { ProducerClient, type SendReport } from 'quartermaster/producer';

export const submitOne = async (jobRequests: string, jobEvents: string): Promise<SendReport | undefined> => {
  const client = ProducerClient.connect({ region: 'us-east-1' }, { jobRequests, jobEvents });
  const [report] = await client.submit([
    { jobId: 'train-42', team: 'vision', project: 'detector', resources: { gpus: 8, gpuModels: ['H100'] },
      runtime: { estimatedHours: 6, interruptible: true } },
  ]);
  return report;
};
`;

let work: string;
let app: string;
let tarballFiles: string[];
let template: Template;
let assetDirs: string[];

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'qm-package-'));
  await sh(ROOT, 'npm', ['pack', '--pack-destination', work, '--loglevel=error']);
  const tarball = readdirSync(work).find((f) => f.endsWith('.tgz'));
  if (tarball === undefined) throw new Error(`npm pack left no tarball in ${work}`);
  tarballFiles = (await sh(work, 'tar', ['-tzf', tarball])).stdout
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => line.replace(/^package\//, ''));

  app = join(work, 'app');
  const linked = Object.fromEntries(
    [...Object.keys(pkg.dependencies), ...Object.keys(pkg.peerDependencies)].map((name) => [
      name,
      `file:${join(ROOT, 'node_modules', name)}`,
    ]),
  );
  mkdirSync(app);
  writeFileSync(
    join(app, 'package.json'),
    JSON.stringify({
      name: 'gpu-platform',
      private: true,
      type: 'module',
      dependencies: { ...linked, quartermaster: `file:${join(work, tarball)}` },
    }),
  );
  await sh(app, 'npm', [
    'install',
    '--offline',
    '--no-audit',
    '--no-fund',
    '--ignore-scripts',
    '--loglevel=error',
  ]);

  const main = `${deployExample()}
import { writeFileSync } from 'node:fs';
writeFileSync('template.json', JSON.stringify(app.synth().getStackByName(stack.stackName).template));
`;
  writeFileSync(join(app, 'app.ts'), main);
  writeFileSync(join(app, 'producer.ts'), PRODUCER_EXAMPLE);
  writeFileSync(
    join(app, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'ES2022',
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        strict: true,
        noEmit: true,
        skipLibCheck: true,
        types: ['node'],
        typeRoots: [join(ROOT, 'node_modules/@types')],
      },
      files: ['app.ts', 'producer.ts'],
    }),
  );
  const js = ts.transpileModule(main, {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
  }).outputText;
  writeFileSync(join(app, 'app.mjs'), js);
  // Type-check and synthesize side by side: each is ~10 s of mostly one core.
  await Promise.all([
    sh(app, process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', '.']),
    // Where the CDK CLI would tell the app to write; without it App synthesizes to a temp folder.
    sh(app, process.execPath, ['app.mjs'], { CDK_OUTDIR: join(app, 'cdk.out') }),
  ]);
  template = Template.fromJSON(JSON.parse(readFileSync(join(app, 'template.json'), 'utf8')));
  assetDirs = readdirSync(join(app, 'cdk.out')).filter((f) => f.startsWith('asset.'));
}, 240_000);

afterAll(() => {
  if (work !== undefined) rmSync(work, { recursive: true, force: true });
});

describe('the packed package', () => {
  it('ships the build, the runtime data, the handler bundles and the declarations, and no sources', () => {
    for (const file of [
      'package.json',
      'README.md',
      'LICENSE',
      'dist/bin/qm.js',
      'dist/lib/index.js',
      'dist/lib/index.d.ts',
      'dist/lambdas/adapters/producer.js',
      'dist/lambdas/adapters/producer.d.ts',
      'dist/data/price-book.json',
      'dist/data/spot-traces/us-west-2a_v100_1.json',
      'dist/handlers/solve/highs.wasm',
      'dist/handlers/solve/price-book.json',
      ...HANDLER_NAMES.map((name) => `dist/handlers/${name}/index.mjs`),
    ])
      expect(tarballFiles).toContain(file);
    const unexpected = tarballFiles.filter(
      (f) =>
        /^(bin|lib|lambdas|test|scripts|examples|data|node_modules)\//.test(f) ||
        (f.endsWith('.ts') && !f.endsWith('.d.ts')),
    );
    expect(unexpected).toEqual([]);
  });
});

describe('a CDK app with the package installed', () => {
  it("synthesizes docs/deploy.md's example: both tables, the four queues and their DLQs", () => {
    const tables = Object.values(template.findResources('AWS::DynamoDB::Table')).map(
      (r) => (r as { Properties: { TableName: string } }).Properties.TableName,
    );
    expect(tables.sort()).toEqual(
      [`quartermaster${LEDGER_TABLE.nameSuffix}`, `quartermaster${EVENTS_TABLE.nameSuffix}`].sort(),
    );
    for (const def of Object.values(QUEUE_DEFINITIONS)) {
      const { name, deadLetterName } = queueNames('quartermaster', def);
      template.hasResourceProperties('AWS::SQS::Queue', { QueueName: name });
      template.hasResourceProperties('AWS::SQS::Queue', { QueueName: deadLetterName });
    }
  });

  it('deploys the bundles the package ships: every function on nodejs22.x, from an asset', () => {
    for (const name of HANDLER_NAMES)
      template.hasResourceProperties('AWS::Lambda::Function', {
        FunctionName: `quartermaster-${name}`,
        Runtime: 'nodejs22.x',
        Handler: 'index.handler',
      });
    const shipped = (dir: string) => readdirSync(join(app, 'cdk.out', dir)).sort();
    expect(assetDirs.map(shipped)).toContainEqual([
      'highs.wasm',
      'index.mjs',
      'index.mjs.map',
      'price-book.json',
    ]);
    expect(assetDirs.filter((dir) => shipped(dir).includes('index.mjs'))).toHaveLength(HANDLER_NAMES.length);
  });

  it('installs a qm that runs on plain node: --version, and a plan on the bundled price book', async () => {
    const qm = join(app, 'node_modules/.bin/qm');
    expect((await sh(app, qm, ['--version'])).stdout.trim()).toBe(pkg.version);
    const plan = await sh(app, qm, [
      'plan',
      '--jobs',
      join(ROOT, 'examples/jobs.jsonl'),
      '--now',
      '2026-11-26T12:00:00Z',
      '--format',
      'json',
    ]);
    const parsed = JSON.parse(plan.stdout) as { allocations: unknown[] };
    expect(parsed.allocations.length).toBeGreaterThan(0);
  });
});
