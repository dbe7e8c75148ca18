import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { entryOf, HANDLER_NAMES } from './bundle-settings.js';

/**
 * The nearest directory at or above `from` with a package.json. From source (`lib/`) and from the
 * build in a clone (`dist/lib/`) that is the repository; installed, it is
 * `node_modules/quartermaster`.
 */
export const findPackageRoot = (from: string): string => {
  let dir = from;
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no package.json at or above ${from}`);
    dir = parent;
  }
  return dir;
};

/** Where `lambdas/` and `package-lock.json` are in a clone, and `dist/` in every case. */
export const PACKAGE_ROOT = findPackageRoot(dirname(fileURLToPath(import.meta.url)));

/** The handlers `npm run build` bundles (scripts/build-dist.ts), shipped in the package. */
export const shippedHandlersDir = (root: string): string => join(root, 'dist', 'handlers');

/**
 * The pre-bundled code to deploy when the caller gives no `prebundledCodeDir`: none when the
 * TypeScript sources are there (a clone: each function is bundled at synth, so edits deploy
 * without a build step), else the bundles the package ships. An installed package has no sources,
 * and its users then need neither esbuild nor this repository's lock file to synthesize.
 *
 * @throws Error naming both places when neither exists (an installed package without
 *   `dist/handlers` is a broken package)
 */
export const defaultPrebundledCodeDir = (root: string = PACKAGE_ROOT): string | undefined => {
  if (HANDLER_NAMES.every((name) => existsSync(join(root, entryOf(name))))) return undefined;
  const dir = shippedHandlersDir(root);
  if (HANDLER_NAMES.every((name) => existsSync(join(dir, name, 'index.mjs')))) return dir;
  throw new Error(
    `Quartermaster: no handler code: neither the sources (${join(root, 'lambdas/handlers')}) nor the pre-built bundles (${dir}, made by npm run build)`,
  );
};
