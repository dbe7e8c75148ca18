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
] as const;

export type HandlerName = (typeof HANDLER_NAMES)[number];

/** The Node.js version the Lambda runtime (`nodejs22.x`) runs; esbuild's target. */
export const BUNDLE_TARGET = 'node22';

/**
 * Nothing is left out: the AWS SDK v3 is bundled (minified, tree-shaken) although the
 * `nodejs22.x` runtime ships one. It pins the SDK version the tests ran against, and a bundled
 * SDK imported about 3× faster than the runtime-style `node_modules` SDK in `npm run bench:bundle`
 * (docs/adr/0008-infrastructure.md has the figures).
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

/** Files a handler loads at run time next to its bundle: the solver's WebAssembly engine. */
export const RUNTIME_ASSETS: Readonly<Partial<Record<HandlerName, readonly string[]>>> = {
  solve: ['node_modules/highs/build/highs.wasm'],
};

/** Handler entry file, relative to the repository root. */
export const entryOf = (name: HandlerName): string => `lambdas/handlers/${name}.ts`;
