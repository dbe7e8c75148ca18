/**
 * Builds `dist/`, what the package ships (docs/adr/0011-package-build.md):
 *
 *   npm run build           both halves below
 *   npm run build:js        `prepare`, so `npm ci` runs it (about a second): what runs from a clone
 *   npm run build:package   `prepack`, so `npm pack` and `npm publish` run it: what only the
 *                           published package needs
 *
 * The first half:
 * - `dist/{bin,lib,lambdas}/**.js`: every source file as an ES module, one output per input
 *   (esbuild, no bundling), so relative imports and `import.meta.url` keep the source layout.
 * - `dist/data/`: the files the code reads at run time beside itself: the static price book
 *   (`../../data/price-book.json` from lambdas/adapters) and the spot traces
 *   (`../../data/spot-traces/` from bin/commands). dist mirrors the repository one level down, so
 *   those paths land here.
 * - `dist/bin/qm.js`: the CLI with a `node` shebang and the run bit.
 *
 * The second half:
 * - `dist/handlers/<name>/`: each Lambda pre-bundled with the deployed esbuild settings
 *   (lib/bundle-settings.ts) and its runtime assets. An installed construct deploys these, since
 *   the TypeScript sources are not shipped; in a clone it bundles from source and ignores them.
 * - `.d.ts` for the package's entry points (tsconfig.build.json). tsc parses the CDK and SDK
 *   declarations, most of a minute on a busy machine; with the bundles, this is why `npm ci`
 *   does not wait for this half.
 *
 * Each half cleans only its own files, so running one never deletes the other's output.
 */
import { spawn } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { entryOf, HANDLER_NAMES, lambdaBuildOptions, RUNTIME_ASSETS } from '../lib/bundle-settings.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const DIST = join(ROOT, 'dist');
/** Source trees compiled to dist/ (scripts/ and test/ are development only). */
const SOURCE_DIRS = ['bin', 'lib', 'lambdas'] as const;
/** Files read at run time relative to the code, copied under the same relative path. */
const RUNTIME_DATA = ['data/price-book.json', 'data/spot-traces'] as const;
/** The CLI entry: the package's `bin.qm`. */
export const CLI_ENTRY = join(DIST, 'bin', 'qm.js');
/**
 * The CLI runs on the user's Node.js, `engines`' 22.12 or newer; the Lambda bundles target the
 * runtime's own version (BUNDLE_TARGET). Never below 20.10: for an older target esbuild silently
 * drops the `with { type: 'json' }` of the price book's import, which Node then refuses to load.
 */
const CLI_TARGET = 'node22.12';

const walk = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? walk(path) : [path];
  });

const HANDLERS_DIR = join(DIST, 'handlers');
/** What `build:package` writes; everything else in dist/ is `build:js`'s. */
const isPackageOutput = (path: string) => path.endsWith('.d.ts') || path.startsWith(`${HANDLERS_DIR}/`);

/** Removes the files one half of the build owns, leaving the other half's in place. */
const clean = (owns: (path: string) => boolean) => {
  mkdirSync(DIST, { recursive: true });
  for (const file of walk(DIST)) if (owns(file)) rmSync(file);
};

const buildModules = async () => {
  const entryPoints = SOURCE_DIRS.flatMap((dir) => walk(join(ROOT, dir))).filter(
    (file) => file.endsWith('.ts') && !file.endsWith('.d.ts'),
  );
  await build({
    entryPoints,
    outdir: DIST,
    outbase: ROOT,
    bundle: false,
    platform: 'node',
    format: 'esm',
    target: CLI_TARGET,
    logLevel: 'warning',
  });
};

const copyRuntimeData = () => {
  for (const path of RUNTIME_DATA) {
    const source = join(ROOT, path);
    const files = path.endsWith('.json') ? [source] : walk(source).filter((f) => f.endsWith('.json'));
    for (const file of files) {
      const target = join(DIST, relative(ROOT, file));
      mkdirSync(dirname(target), { recursive: true });
      copyFileSync(file, target);
    }
  }
};

/** The source keeps its tsx shebang for running from a clone; the build runs on plain node. */
const finishCli = () => {
  const text = readFileSync(CLI_ENTRY, 'utf8');
  const body = text.startsWith('#!') ? text.slice(text.indexOf('\n') + 1) : text;
  writeFileSync(CLI_ENTRY, `#!/usr/bin/env node\n${body}`);
  chmodSync(CLI_ENTRY, 0o755);
};

/** Same options as the CDK bundling (lib/handler-function.ts), so the shipped code is the deployed code. */
const bundleHandlers = async () => {
  await Promise.all(
    HANDLER_NAMES.map(async (name) => {
      const dir = join(HANDLERS_DIR, name);
      mkdirSync(dir, { recursive: true });
      await build({
        ...lambdaBuildOptions(ROOT),
        entryPoints: [join(ROOT, entryOf(name))],
        outfile: join(dir, 'index.mjs'),
        logLevel: 'warning',
      });
      for (const asset of RUNTIME_ASSETS[name] ?? [])
        copyFileSync(join(ROOT, asset), join(dir, basename(asset)));
    }),
  );
};

const buildJs = async () => {
  clean((file) => !isPackageOutput(file));
  await buildModules();
  finishCli();
  copyRuntimeData();
};

const buildTypes = async () => {
  const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const child = spawn(process.execPath, [tsc, '-p', join(ROOT, 'tsconfig.build.json')], { stdio: 'inherit' });
  const code = await new Promise<number | null>((done) => child.on('close', done));
  if (code !== 0) throw new Error(`tsc -p tsconfig.build.json exited with ${code}`);
};

const buildPackage = async () => {
  clean(isPackageOutput);
  // tsc is single-threaded; esbuild bundles beside it.
  await Promise.all([buildTypes(), bundleHandlers()]);
};

const main = async () => {
  const js = !process.argv.includes('--package');
  const pkg = !process.argv.includes('--js');
  const started = performance.now();
  await Promise.all([js ? buildJs() : undefined, pkg ? buildPackage() : undefined]);
  const what = [js ? 'modules, data, CLI' : '', pkg ? 'handler bundles, declarations' : '']
    .filter(Boolean)
    .join('; ');
  console.log(
    `build: ${what} in ${relative(ROOT, DIST)}/ (${((performance.now() - started) / 1000).toFixed(1)} s)`,
  );
};

await main();
