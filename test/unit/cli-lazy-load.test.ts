import { resolve } from 'node:path';
import { build, type Metafile } from 'esbuild';
import { describe, expect, it } from 'vitest';

/**
 * `qm --help` loads commander and the command table only: every command's work is behind a
 * dynamic `import()` in its action. esbuild maps the import graph of bin/qm.ts (nothing is
 * written); the modules reachable by static imports alone are what `qm --help` loads.
 */

const ROOT = resolve(import.meta.dirname, '../..');

/** The command table: flag definitions, and the import-free constant modules their help text names. */
const HELP_MODULES = [
  'bin/qm.ts',
  'bin/cli/exit-code.ts',
  'bin/commands/audit.ts',
  'bin/commands/cancel.ts',
  'bin/commands/commitments.ts',
  'bin/commands/complete.ts',
  'bin/commands/explain.ts',
  'bin/commands/pipeline-target.ts',
  'bin/commands/plan.ts',
  'bin/commands/reconcile-bill.ts',
  'bin/commands/report.ts',
  'bin/commands/simulate.ts',
  'bin/commands/status.ts',
  'bin/commands/submit.ts',
  'lambdas/core/planning/fair-weight.ts',
  'lambdas/core/spot/spot-policy.ts',
];

const graph = async (): Promise<Metafile> =>
  (
    await build({
      entryPoints: [resolve(ROOT, 'bin/qm.ts')],
      absWorkingDir: ROOT,
      bundle: true,
      write: false,
      metafile: true,
      platform: 'node',
      format: 'esm',
      packages: 'external',
      logLevel: 'silent',
    })
  ).metafile;

/** Inputs (and packages) reachable from the entry through static imports only. */
const staticClosure = (metafile: Metafile) => {
  const modules = new Set<string>();
  const packages = new Set<string>();
  const visit = (path: string) => {
    if (modules.has(path)) return;
    modules.add(path);
    for (const imported of metafile.inputs[path]?.imports ?? []) {
      if (imported.kind !== 'import-statement') continue;
      if (imported.external === true) packages.add(imported.path);
      else visit(imported.path);
    }
  };
  visit('bin/qm.ts');
  return { modules, packages };
};

describe('qm --help', () => {
  it('statically imports commander and the command table only; each action loads on use', async () => {
    const metafile = await graph();
    const { modules, packages } = staticClosure(metafile);
    expect([...modules].sort()).toEqual([...HELP_MODULES].sort());
    expect([...packages].sort()).toEqual(['commander', 'node:fs']);
    // The action modules are in the graph, reached by import() alone.
    for (const action of [
      'plan',
      'report',
      'audit',
      'explain',
      'submit',
      'status',
      'complete',
      'cancel',
      'reconcile-bill',
      'commitments',
    ])
      expect(Object.keys(metafile.inputs)).toContain(`bin/commands/${action}-action.ts`);
    expect(Object.keys(metafile.inputs)).toContain('bin/commands/simulate-jobs.ts');
  });
});
