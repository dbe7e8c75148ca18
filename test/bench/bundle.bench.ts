import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build, type Metafile } from 'esbuild';
import {
  BUNDLE_TARGET,
  EXTERNAL_MODULES,
  entryOf,
  HANDLER_NAMES,
  lambdaBuildOptions,
  RUNTIME_ASSETS,
  RUNTIME_PROVIDED_MODULES,
} from '../../lib/bundle-settings.js';

/**
 * `npm run bench:bundle [-- --external-sdk] [-- --runs N]`: each Lambda's bundle, built with the
 * deployed esbuild settings (lib/bundle-settings.ts, aliases included), next to two baselines:
 * - size: `code KB` is index.mjs (source map apart); the files shipped beside it are counted in
 *   their own columns, `data KB` (e.g. the price book) and `wasm KB` (the solver's engine). The
 *   target, ≤ 300 KB, applies to code + data: only the WebAssembly is excluded.
 * - cold import: `node` spawned RUNS times per bundle, median of (a) the `import()` alone and
 *   (b) the whole process, as a ratio to the empty handler; target import ≤ 3× the empty handler.
 * - the "sdk floor" row is a handler that only creates the DynamoDB client (through the same
 *   adapter factory) and sends one command: the least any function that touches AWS imports.
 *   `× floor` shows each function against it; it is context, not the target.
 * Nothing is deferred to measure well: handlers import their SDK clients at module load, as
 * deployed. The largest inputs of each bundle are listed so a regression has a name.
 * Not a test: it prints numbers. `--runs N` changes the sample count.
 */

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
// Inside the repository so the externalised @aws-sdk/* packages resolve from node_modules, as
// the runtime's bundled SDK does on Lambda.
const OUT = join(ROOT, '.tmp', 'bench-bundle');
const runsFlag = process.argv.indexOf('--runs');
const RUNS = runsFlag > 0 ? Number(process.argv[runsFlag + 1]) : 9;
// `--external-sdk` measures the alternative the ADR weighs: the runtime's SDK, not bundled.
const EXTERNAL = process.argv.includes('--external-sdk') ? RUNTIME_PROVIDED_MODULES : EXTERNAL_MODULES;
const SIZE_TARGET_KB = 300;
const IMPORT_TARGET_RATIO = 3;

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
};

const bundle = async (name: string, entry: string): Promise<{ file: string; metafile: Metafile }> => {
  const dir = join(OUT, name);
  mkdirSync(dir, { recursive: true });
  const result = await build({
    ...lambdaBuildOptions(ROOT, EXTERNAL),
    entryPoints: [entry],
    outfile: join(dir, 'index.mjs'),
    metafile: true,
    logLevel: 'error',
  });
  return { file: join(dir, 'index.mjs'), metafile: result.metafile };
};

/** Milliseconds for `import()` inside the child, and for the whole child process. */
const coldImport = (file: string): { importMs: number; processMs: number } => {
  const url = pathToFileURL(file).href;
  const script = `const t=performance.now();await import(${JSON.stringify(url)});process.stdout.write(String(performance.now()-t));`;
  const imports: number[] = [];
  const processes: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const start = performance.now();
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    processes.push(performance.now() - start);
    if (child.status !== 0) throw new Error(`importing ${file} failed:\n${child.stderr}`);
    imports.push(Number(child.stdout));
  }
  return { importMs: median(imports), processMs: median(processes) };
};

/** Output bytes by input package (or project directory), largest first. */
const topInputs = (metafile: Metafile, count: number): string => {
  const output = Object.values(metafile.outputs).find((o) => o.entryPoint !== undefined);
  const totals = new Map<string, number>();
  for (const [path, info] of Object.entries(output?.inputs ?? {})) {
    const pkg = path.includes('node_modules/')
      ? (/node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path)?.[1] ?? path)
      : path.split('/').slice(0, -1).join('/');
    totals.set(pkg, (totals.get(pkg) ?? 0) + info.bytesInOutput);
  }
  return [...totals.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([pkg, bytes]) => `${pkg} ${(bytes / 1024).toFixed(0)}K`)
    .join(', ');
};

const kb = (bytes: number) => (bytes / 1024).toFixed(1);

const main = async () => {
  rmSync(OUT, { recursive: true, force: true });
  mkdirSync(OUT, { recursive: true });
  const emptyEntry = join(OUT, 'empty-handler.ts');
  writeFileSync(emptyEntry, 'export const handler = async () => ({ statusCode: 200 });\n');
  const empty = await bundle('empty', emptyEntry);
  const baseline = coldImport(empty.file);
  const floorEntry = join(OUT, 'sdk-floor-handler.ts');
  writeFileSync(
    floorEntry,
    [
      "import { ListTablesCommand } from '@aws-sdk/client-dynamodb';",
      `import { createDynamoDbClient } from ${JSON.stringify(join(ROOT, 'lambdas/adapters/dynamodb-client.ts'))};`,
      "const client = createDynamoDbClient({ region: 'us-east-1' });",
      'export const handler = async () => client.send(new ListTablesCommand({}));',
      '',
    ].join('\n'),
  );
  const floor = await bundle('sdk-floor', floorEntry);
  const floorTimes = coldImport(floor.file);
  console.log(
    `bench:bundle — esbuild ${BUNDLE_TARGET}, ESM, minified, external ${EXTERNAL.join(' ') || 'none (SDK bundled)'}; ${RUNS} cold imports each (median)`,
  );
  console.log(
    `empty handler: ${kb(statSync(empty.file).size)} KB, import ${baseline.importMs.toFixed(1)} ms, process ${baseline.processMs.toFixed(0)} ms`,
  );
  console.log(
    `sdk floor (DynamoDB client + one command): ${kb(statSync(floor.file).size)} KB, import ${floorTimes.importMs.toFixed(1)} ms (${(floorTimes.importMs / baseline.importMs).toFixed(1)}× empty), process ${floorTimes.processMs.toFixed(0)} ms\n`,
  );
  const header = [
    'function',
    'code KB',
    'data KB',
    'wasm KB',
    'size ok',
    'import ms',
    '× empty',
    '× floor',
    'process ms',
    '× empty',
    'import ok',
  ];
  const rows: string[][] = [];
  const details: string[] = [];
  for (const name of HANDLER_NAMES) {
    const { file, metafile } = await bundle(name, join(ROOT, entryOf(name)));
    let dataBytes = 0;
    let wasmBytes = 0;
    for (const asset of RUNTIME_ASSETS[name] ?? []) {
      const source = join(ROOT, asset);
      copyFileSync(source, join(dirname(file), asset.split('/').pop() ?? asset));
      if (asset.endsWith('.wasm')) wasmBytes += statSync(source).size;
      else dataBytes += statSync(source).size;
    }
    const size = statSync(file).size;
    const t = coldImport(file);
    const importRatio = t.importMs / baseline.importMs;
    const processRatio = t.processMs / baseline.processMs;
    rows.push([
      name,
      kb(size),
      kb(dataBytes),
      kb(wasmBytes),
      size + dataBytes <= SIZE_TARGET_KB * 1024 ? 'yes' : 'NO',
      t.importMs.toFixed(1),
      importRatio.toFixed(1),
      (t.importMs / floorTimes.importMs).toFixed(2),
      t.processMs.toFixed(0),
      processRatio.toFixed(2),
      importRatio <= IMPORT_TARGET_RATIO
        ? 'yes'
        : processRatio <= IMPORT_TARGET_RATIO
          ? 'process only'
          : 'NO',
    ]);
    details.push(`${name}: ${topInputs(metafile, 6)}`);
  }
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padStart(widths[i] ?? 0)).join('  ');
  console.log(line(header));
  for (const r of rows) console.log(line(r));
  console.log(
    `\ntargets: code + data ≤ ${SIZE_TARGET_KB} KB (WebAssembly excluded), import ≤ ${IMPORT_TARGET_RATIO}× the empty handler`,
  );
  console.log('largest inputs per bundle:');
  for (const d of details) console.log(`  ${d}`);
};

await main();
