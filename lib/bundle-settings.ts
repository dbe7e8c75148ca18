/**
 * How every handler is bundled, in one place: the CDK functions (NodejsFunction's esbuild) and
 * `npm run bench:bundle` both read these values, so the measured bundle is the deployed one.
 * Why the AWS SDK is left out of the bundle: docs/adr/0008-infrastructure.md.
 */

/** Every Lambda function, by the handler file it runs (`lambdas/handlers/<name>.ts`). */
export const HANDLER_NAMES = [
  'intake',
  'solve',
  'provision',
  'events',
  'price-refresh',
  'reconcile',
  'report',
  'monthly-export',
  'bill-reconcile',
  'digest',
] as const;

export type HandlerName = (typeof HANDLER_NAMES)[number];

/** The Node.js version the Lambda runtime (`nodejs22.x`) runs; esbuild's target. */
export const BUNDLE_TARGET = 'node22';

/**
 * Nothing is left out: the AWS SDK v3 is bundled (minified, tree-shaken) although the
 * `nodejs22.x` runtime ships one. It pins the SDK version the tests ran against, and a bundled
 * SDK imported 2–5× faster than the runtime-style `node_modules` SDK in `npm run bench:bundle`
 * (`--external-sdk`; docs/adr/0008-infrastructure.md has the figures).
 */
export const EXTERNAL_MODULES: readonly string[] = [];

/** What the runtime provides, for measuring the alternative (`bench:bundle --external-sdk`). */
export const RUNTIME_PROVIDED_MODULES: readonly string[] = ['@aws-sdk/*'];

/**
 * ES module output needs `require` for the CommonJS dependencies esbuild inlines (and HiGHS's
 * Emscripten loader), which ESM scope lacks.
 */
export const ESM_REQUIRE_BANNER =
  "import { createRequire as qmCreateRequire } from 'node:module'; const require = qmCreateRequire(import.meta.url);";

/** Prefer packages' ES module builds: they tree-shake (the SDK and Powertools ship both). */
export const MAIN_FIELDS = ['module', 'main'] as const;

/** The static price book, read at first use by the handlers that need a fallback book. */
export const PRICE_BOOK_ASSET_SOURCE = 'data/price-book.json';

/**
 * Files a handler loads at run time, copied next to its bundle under their base names: the
 * solver's WebAssembly engine (its Emscripten loader finds it by `import.meta.url`) and the static
 * price book (`lambdas/adapters/price-book-asset.ts` reads `price-book.json` beside `index.mjs`).
 * A file rather than an inlined JSON import: 163 KB of data is then neither parsed nor evaluated
 * at import, only when a handler first needs the fallback book. `bench:bundle` counts it.
 */
export const RUNTIME_ASSETS: Readonly<Partial<Record<HandlerName, readonly string[]>>> = {
  solve: ['node_modules/highs/build/highs.wasm', PRICE_BOOK_ASSET_SOURCE],
  'price-refresh': [PRICE_BOOK_ASSET_SOURCE],
};

/**
 * Module substitutions in every Lambda bundle (esbuild `alias`; paths relative to the repository
 * root, where both the CDK bundling and the bench run esbuild).
 *
 * The SDK clients' default credential chain (`@aws-sdk/credential-provider-node`: env, SSO, ini
 * files, process, STS web identity, container, IMDS, with STS and SSO clients of its own) becomes
 * the env-only provider: Lambda always passes the role's credentials in `AWS_ACCESS_KEY_ID`,
 * `AWS_SECRET_ACCESS_KEY` and `AWS_SESSION_TOKEN`, which the chain reads first anyway. Saves
 * ~130 KB per function (docs/adr/0008-infrastructure.md). The CLI and tests,
 * run from source, keep the full chain.
 */
export const BUNDLE_ALIASES: Readonly<Record<string, string>> = {
  '@aws-sdk/credential-provider-node': './lambdas/adapters/env-credential-provider.ts',
};

/** Handler entry file, relative to the repository root. */
export const entryOf = (name: HandlerName): string => `lambdas/handlers/${name}.ts`;

/**
 * The esbuild options of one Lambda bundle, as the CDK bundling passes them on the command line
 * (lib/handler-function.ts): for `bench:bundle` and the tests that inspect a real bundle. Paths
 * in `alias` resolve from `root`, as they do in the CDK bundling (esbuild runs in projectRoot).
 */
export const lambdaBuildOptions = (root: string, external: readonly string[] = EXTERNAL_MODULES) => ({
  bundle: true,
  platform: 'node' as const,
  format: 'esm' as const,
  target: BUNDLE_TARGET,
  minify: true,
  sourcemap: 'external' as const,
  sourcesContent: false,
  mainFields: [...MAIN_FIELDS],
  external: [...external],
  alias: { ...BUNDLE_ALIASES },
  absWorkingDir: root,
  banner: { js: ESM_REQUIRE_BANNER },
});
