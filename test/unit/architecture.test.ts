import { readdirSync, readFileSync } from 'node:fs';
import { posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * The dependency rule of DESIGN.md, enforced by reading the source: lambdas/core is pure (no AWS
 * SDK, no Lambda runtime, no fs/network/process, no clock or randomness, nothing from adapters,
 * handlers, lib or bin); nothing under lambdas imports lib (CDK); adapters never import handlers.
 */

interface SourceFile {
  /** Repository-relative POSIX path, e.g. `lambdas/core/planning/plan.ts`. */
  readonly path: string;
  readonly text: string;
}

interface Violation {
  readonly file: string;
  readonly line: number;
  readonly rule: string;
  /** The offending import specifier or code. */
  readonly found: string;
}

const FORBIDDEN_PACKAGES_IN_CORE: readonly RegExp[] = [
  /^@aws-sdk\//,
  /^aws-lambda$/,
  /^@middy\//,
  /^@aws-lambda-powertools\//,
  /^aws-cdk-lib(\/|$)/,
  /^constructs$/,
  /^(node:)?fs(\/promises)?$/,
  /^(node:)?child_process$/,
  /^(node:)?https?$/,
  /^(node:)?http2$/,
  /^(node:)?net$/,
];

const FORBIDDEN_DIRS_FOR_CORE = ['lambdas/adapters/', 'lambdas/handlers/', 'lib/', 'bin/'];

const ENV_RULE = 'reads process.env (configuration belongs in a handler config module)';
const DATE_NOW_RULE = 'reads the clock with Date.now (inject a Clock)';
const NEW_DATE_RULE = 'reads the clock with new Date() (inject a Clock)';
const RANDOM_RULE = 'uses Math.random (inject a random source)';

interface ImportRef {
  readonly specifier: string;
  /** Repository-relative target for a relative specifier; `null` for a package. */
  readonly target: string | null;
  readonly line: number;
  /** `import type`, `export type` or `import('…')` in a type position: erased at run time. */
  readonly typeOnly: boolean;
}

interface CodeFinding {
  readonly rule: string;
  readonly found: string;
  readonly line: number;
}

const literalText = (node: ts.Node | undefined): string | null =>
  node !== undefined && (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node))
    ? node.text
    : null;

const isNamed = (node: ts.Node, name: string): boolean => ts.isIdentifier(node) && node.text === name;

/** `process` or `globalThis.process`. */
const isProcess = (node: ts.Node): boolean =>
  isNamed(node, 'process') ||
  (ts.isPropertyAccessExpression(node) &&
    isNamed(node.expression, 'globalThis') &&
    node.name.text === 'process');

/** `import type { A }` or `import { type A, type B }`: nothing of it is left at run time. */
const isTypeOnlyImport = (node: ts.ImportDeclaration): boolean => {
  const clause = node.importClause;
  if (clause === undefined) return false;
  if (clause.isTypeOnly) return true;
  const bindings = clause.namedBindings;
  return (
    clause.name === undefined &&
    bindings !== undefined &&
    ts.isNamedImports(bindings) &&
    bindings.elements.length > 0 &&
    bindings.elements.every((e) => e.isTypeOnly)
  );
};

/**
 * Reads a file with the TypeScript parser, so that comments, strings and regular expressions are
 * never mistaken for code, and collects its module references and its uses of ambient state.
 */
const analyse = (file: SourceFile): { imports: ImportRef[]; code: CodeFinding[] } => {
  const source = ts.createSourceFile(file.path, file.text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const lineOf = (node: ts.Node) => source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1;
  const imports: ImportRef[] = [];
  const code: CodeFinding[] = [];
  const addImport = (specifier: string | null, node: ts.Node, typeOnly = false) => {
    if (specifier === null) return;
    const target = specifier.startsWith('.')
      ? posix.normalize(posix.join(posix.dirname(file.path), specifier)).replace(/\.js$/, '.ts')
      : null;
    imports.push({ specifier, target, line: lineOf(node), typeOnly });
  };
  const addCode = (rule: string, node: ts.Node) =>
    code.push({ rule, found: node.getText(source), line: lineOf(node) });
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node)) {
      addImport(literalText(node.moduleSpecifier), node, isTypeOnlyImport(node));
    } else if (ts.isExportDeclaration(node)) {
      addImport(literalText(node.moduleSpecifier), node, node.isTypeOnly);
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      addImport(literalText(node.moduleReference.expression), node);
    } else if (
      ts.isCallExpression(node) &&
      (node.expression.kind === ts.SyntaxKind.ImportKeyword || isNamed(node.expression, 'require'))
    ) {
      addImport(literalText(node.arguments[0]), node);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
      addImport(literalText(node.argument.literal), node, true);
    } else if (ts.isPropertyAccessExpression(node)) {
      if (isProcess(node.expression) && node.name.text === 'env') addCode(ENV_RULE, node);
      if (isNamed(node.expression, 'Date') && node.name.text === 'now') addCode(DATE_NOW_RULE, node);
      if (isNamed(node.expression, 'Math') && node.name.text === 'random') addCode(RANDOM_RULE, node);
    } else if (ts.isElementAccessExpression(node) && isProcess(node.expression)) {
      addCode(ENV_RULE, node);
    } else if (
      ts.isNewExpression(node) &&
      isNamed(node.expression, 'Date') &&
      (node.arguments?.length ?? 0) === 0
    ) {
      addCode(NEW_DATE_RULE, node);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return { imports, code };
};

const isUnder = (path: string, dir: string): boolean => `${path}/`.startsWith(dir) || path.startsWith(dir);

/** Every breach of the dependency rule in the given files. Pure, so it can be checked on samples. */
const findViolations = (files: readonly SourceFile[]): Violation[] => {
  const violations: Violation[] = [];
  for (const file of files) {
    const inCore = isUnder(file.path, 'lambdas/core/');
    const inLambdas = isUnder(file.path, 'lambdas/');
    const inAdapters = isUnder(file.path, 'lambdas/adapters/');
    const { imports, code } = analyse(file);
    for (const ref of imports) {
      const report = (rule: string) =>
        violations.push({ file: file.path, line: ref.line, rule, found: ref.specifier });
      if (inCore && ref.target === null && FORBIDDEN_PACKAGES_IN_CORE.some((p) => p.test(ref.specifier))) {
        report('core imports an SDK, runtime or I/O module');
      }
      if (inCore && ref.target !== null) {
        const dir = FORBIDDEN_DIRS_FOR_CORE.find((d) => isUnder(ref.target as string, d));
        if (dir !== undefined) report(`core imports from ${dir}`);
      } else if (inLambdas && ref.target !== null && isUnder(ref.target, 'lib/')) {
        report('lambdas import lib/ (CDK infrastructure)');
      }
      if (inAdapters && ref.target !== null && isUnder(ref.target, 'lambdas/handlers/')) {
        report('an adapter imports a handler');
      }
    }
    if (!inCore) continue;
    for (const finding of code) violations.push({ file: file.path, ...finding });
  }
  return violations;
};

const formatViolation = (v: Violation): string => `${v.file}:${v.line}: ${v.rule}: ${v.found}`;

/**
 * The rooms of lambdas/core and the arrows between them (each folder's README says why). A folder
 * may import itself, the top-level kernel and the folders listed; `use-cases` may import all.
 * Folders are listed so that each imports only folders above it, which keeps the graph acyclic.
 */
const CORE_FOLDERS: Readonly<Record<string, readonly string[]>> = {
  jobs: [],
  spot: [],
  commitments: ['jobs'],
  pricing: ['jobs'],
  planning: ['jobs', 'pricing', 'commitments'],
  ledger: ['jobs'],
  accounting: ['jobs', 'ledger', 'commitments'],
  audit: ['jobs', 'ledger', 'accounting'],
  simulation: ['jobs', 'pricing', 'planning', 'spot', 'ledger'],
  reports: ['jobs', 'pricing', 'planning', 'ledger', 'accounting', 'simulation', 'commitments'],
  'use-cases': [
    'jobs',
    'commitments',
    'pricing',
    'planning',
    'spot',
    'ledger',
    'accounting',
    'audit',
    'simulation',
    'reports',
  ],
};

/** The kernel at the top of lambdas/core: the ports, the error types and paging. */
const CORE_TOP = new Set(['ports.ts', 'cloud-ports.ts', 'errors.ts', 'paging.ts']);

/** `lambdas/core/pricing/offer.ts` → `pricing`; a top-level file → `''`; outside core → `null`. */
const coreFolderOf = (path: string): string | null => {
  if (!isUnder(path, 'lambdas/core/')) return null;
  const rest = path.slice('lambdas/core/'.length).split('/');
  return rest.length === 1 ? '' : (rest[0] as string);
};

/**
 * Breaches of the core layout: a file outside the rooms, an arrow the table does not allow, or a
 * value import from the kernel into a room (the kernel names domain types only, so that it can
 * sit under every room without a cycle at run time).
 */
const findLayoutViolations = (files: readonly SourceFile[]): Violation[] => {
  const violations: Violation[] = [];
  for (const file of files) {
    const from = coreFolderOf(file.path);
    if (from === null) continue;
    const name = file.path.slice('lambdas/core/'.length);
    if (from === '' ? !CORE_TOP.has(name) : !(from in CORE_FOLDERS)) {
      violations.push({
        file: file.path,
        line: 1,
        rule: 'core file outside the domain folders',
        found: name,
      });
      continue;
    }
    for (const ref of analyse(file).imports) {
      const to = ref.target === null ? null : coreFolderOf(ref.target);
      if (to === null || to === from) continue;
      const report = (rule: string) =>
        violations.push({ file: file.path, line: ref.line, rule, found: ref.specifier });
      if (from === '') {
        if (to !== '' && !ref.typeOnly) report(`the core kernel imports values from ${to}/`);
      } else if (to !== '' && !(CORE_FOLDERS[from] as readonly string[]).includes(to)) {
        report(`${from}/ may not import ${to}/`);
      }
    }
  }
  return violations;
};

/** Import cycles among the given files (type imports count too), each as its path of files. */
const findCycles = (files: readonly SourceFile[]): string[][] => {
  const known = new Set(files.map((f) => f.path));
  const edges = new Map(
    files.map((f) => [
      f.path,
      analyse(f)
        .imports.map((r) => r.target)
        .filter((t): t is string => t !== null && known.has(t)),
    ]),
  );
  const cycles: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string): void => {
    state.set(node, 'open');
    stack.push(node);
    for (const next of edges.get(node) ?? []) {
      if (state.get(next) === 'open') cycles.push([...stack.slice(stack.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(node, 'done');
  };
  for (const path of [...known].sort()) if (!state.has(path)) visit(path);
  return cycles;
};

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SOURCE_EXTENSIONS = /\.(ts|mts|cts|tsx)$/;

const sourceFilesUnder = (dir: string): SourceFile[] => {
  let entries: string[];
  try {
    entries = readdirSync(posix.join(ROOT, dir), { recursive: true, encoding: 'utf8' });
  } catch {
    return [];
  }
  return entries
    .filter((entry) => SOURCE_EXTENSIONS.test(entry) && !entry.includes('node_modules'))
    .map((entry) => {
      const path = posix.join(dir, entry.split('\\').join('/'));
      return { path, text: readFileSync(posix.join(ROOT, path), 'utf8') };
    });
};

describe('the dependency rule', () => {
  const lambdas = sourceFilesUnder('lambdas');
  const core = lambdas.filter((f) => isUnder(f.path, 'lambdas/core/'));

  it('finds the core sources to check', () => {
    expect(core.map((f) => f.path)).toContain('lambdas/core/jobs/job-request.ts');
  });

  it('keeps lambdas/core pure: no SDKs, I/O, environment, clock, randomness or outer layers', () => {
    const found = findViolations(core).map(formatViolation);
    expect(found, found.join('\n')).toEqual([]);
  });

  it('keeps lib/ out of lambdas and handlers out of adapters', () => {
    const found = findViolations(lambdas).map(formatViolation);
    expect(found, found.join('\n')).toEqual([]);
  });

  it('keeps every core file in a domain folder and every import on an allowed arrow', () => {
    const found = findLayoutViolations(core).map(formatViolation);
    expect(found, found.join('\n')).toEqual([]);
  });

  it('has no import cycle anywhere under lambdas', () => {
    const cycles = findCycles(lambdas).map((c) => c.join(' → '));
    expect(cycles, cycles.join('\n')).toEqual([]);
  });

  it('gives every core folder a README that names what it may import', () => {
    for (const [folder, allowed] of Object.entries(CORE_FOLDERS)) {
      let readme: string;
      try {
        readme = readFileSync(posix.join(ROOT, 'lambdas/core', folder, 'README.md'), 'utf8');
      } catch {
        throw new Error(`lambdas/core/${folder}/README.md is missing`);
      }
      for (const other of allowed)
        expect(readme, `${folder}/README.md names ${other}/`).toContain(`${other}/`);
    }
  });
});

describe('the dependency-rule scanner', () => {
  const sample = (path: string, text: string): SourceFile => ({ path, text });

  it('names the file, line and import of each forbidden package in core', () => {
    const file = sample(
      'lambdas/core/bad.ts',
      [
        "import { EC2Client } from '@aws-sdk/client-ec2';",
        "import type { SQSEvent } from 'aws-lambda';",
        "import middy from '@middy/core';",
        "import { Logger } from '@aws-lambda-powertools/logger';",
        "import { Stack } from 'aws-cdk-lib';",
        "import { aws_ec2 } from 'aws-cdk-lib/aws-ec2';",
        "import { Construct } from 'constructs';",
        "import { readFileSync } from 'node:fs';",
        "import { readFile } from 'fs/promises';",
        "import { execSync } from 'node:child_process';",
        "import http from 'http';",
        "import https from 'node:https';",
        "import net from 'node:net';",
        "export { x } from '@aws-sdk/client-s3';",
        "const lazy = await import('@aws-sdk/client-sqs');",
        "const old = require('fs');",
        "import 'node:fs';",
      ].join('\n'),
    );
    const found = findViolations([file]);
    expect(found.map((v) => v.found).sort()).toEqual(
      [
        '@aws-sdk/client-ec2',
        'aws-lambda',
        '@middy/core',
        '@aws-lambda-powertools/logger',
        'aws-cdk-lib',
        'aws-cdk-lib/aws-ec2',
        'constructs',
        'node:fs',
        'fs/promises',
        'node:child_process',
        'http',
        'node:https',
        'node:net',
        '@aws-sdk/client-s3',
        '@aws-sdk/client-sqs',
        'fs',
        'node:fs',
      ].sort(),
    );
    expect(found.every((v) => v.file === 'lambdas/core/bad.ts')).toBe(true);
    expect(formatViolation(found.find((v) => v.found === 'aws-lambda') as Violation)).toBe(
      'lambdas/core/bad.ts:2: core imports an SDK, runtime or I/O module: aws-lambda',
    );
  });

  it('catches core importing adapters, handlers, lib and bin by relative path', () => {
    const file = sample(
      'lambdas/core/sub/bad.ts',
      [
        "import { x } from '../../adapters/static-price-book.js';",
        "import { y } from '../../handlers/intake.js';",
        "import { z } from '../../../lib/quartermaster-stack.js';",
        "import { w } from '../../../bin/qm.js';",
        "import { ok } from '../plan.js';",
      ].join('\n'),
    );
    expect(findViolations([file]).map((v) => v.rule)).toEqual([
      'core imports from lambdas/adapters/',
      'core imports from lambdas/handlers/',
      'core imports from lib/',
      'core imports from bin/',
    ]);
  });

  it('catches environment, clock and randomness in core code', () => {
    const file = sample(
      'lambdas/core/bad.ts',
      [
        'const region = process.env.AWS_REGION;',
        "const table = process['env'];",
        'const t = Date.now();',
        'const clock = Date.now;',
        'const d = new Date();',
        'const e = new Date;',
        'const r = Math.random();',
        'const g = globalThis.process.env.TABLE;',
      ].join('\n'),
    );
    const found = findViolations([file]);
    expect(found.map((v) => v.line)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(found[0]).toEqual({
      file: 'lambdas/core/bad.ts',
      line: 1,
      rule: 'reads process.env (configuration belongs in a handler config module)',
      found: 'process.env',
    });
  });

  it('allows dates built from values, and rules quoted in comments, strings or regular expressions', () => {
    const file = sample(
      'lambdas/core/good.ts',
      [
        "import { z } from 'zod';",
        "import { createHash } from 'node:crypto';",
        "import type { Offer } from './offer.js';",
        '/** Never call Date.now() or new Date() here; no process.env either. */',
        'const d = new Date(Date.parse(asOf));',
        'const e = new Date(0);',
        "const message = 'inject a Clock instead of Date.now()';",
        "// import { x } from '@aws-sdk/client-ec2';",
        'const url = "https://example.com/docs"; const n = Math.max(1, 2);',
        "const quote = /['\"`]/; const later = Date.parse('2026-11-26T12:00:00Z');",
        'const clock: Clock = { now: () => fixed };',
      ].join('\n'),
    );
    expect(findViolations([file])).toEqual([]);
  });

  it('flags lib/ imported from anywhere under lambdas, and handlers imported by adapters', () => {
    const adapter = sample(
      'lambdas/adapters/bad.ts',
      "import { h } from '../handlers/solve.js';\nimport { s } from '../../lib/stack.js';\nimport { c } from '../core/planning/plan.js';",
    );
    const handler = sample('lambdas/handlers/bad.ts', "import { s } from '../../lib/stack.js';");
    expect(findViolations([adapter, handler]).map(formatViolation)).toEqual([
      'lambdas/adapters/bad.ts:1: an adapter imports a handler: ../handlers/solve.js',
      'lambdas/adapters/bad.ts:2: lambdas import lib/ (CDK infrastructure): ../../lib/stack.js',
      'lambdas/handlers/bad.ts:1: lambdas import lib/ (CDK infrastructure): ../../lib/stack.js',
    ]);
  });

  it('leaves adapters free to use SDKs, fs and the clock', () => {
    const adapter = sample(
      'lambdas/adapters/ok.ts',
      "import { EC2Client } from '@aws-sdk/client-ec2';\nimport { readFileSync } from 'node:fs';\nconst t = Date.now();",
    );
    expect(findViolations([adapter])).toEqual([]);
  });

  it('rejects a cross-folder import the table does not allow, naming file, line and arrow', () => {
    const file = sample(
      'lambdas/core/accounting/bad.ts',
      [
        "import type { UsageRecord } from '../ports.js';",
        "import { eventHash } from '../ledger/event-chain.js';",
        "import { solvePlan } from '../planning/solve-plan.js';",
        "import type { Offer } from '../pricing/offer.js';",
      ].join('\n'),
    );
    expect(findLayoutViolations([file]).map(formatViolation)).toEqual([
      'lambdas/core/accounting/bad.ts:3: accounting/ may not import planning/: ../planning/solve-plan.js',
      'lambdas/core/accounting/bad.ts:4: accounting/ may not import pricing/: ../pricing/offer.js',
    ]);
  });

  it('lets the kernel name domain types but not import their values, and keeps files in rooms', () => {
    const kernel = sample(
      'lambdas/core/ports.ts',
      "import type { Offer } from './pricing/offer.js';\nimport { type A, type B } from './jobs/a.js';\nimport { priceOf } from './pricing/offer.js';",
    );
    const stray = sample('lambdas/core/helpers.ts', 'export const x = 1;');
    const unknownRoom = sample('lambdas/core/misc/thing.ts', 'export const y = 2;');
    expect(findLayoutViolations([kernel, stray, unknownRoom]).map(formatViolation)).toEqual([
      'lambdas/core/ports.ts:3: the core kernel imports values from pricing/: ./pricing/offer.js',
      'lambdas/core/helpers.ts:1: core file outside the domain folders: helpers.ts',
      'lambdas/core/misc/thing.ts:1: core file outside the domain folders: misc/thing.ts',
    ]);
  });

  it('finds an import cycle, type imports included, and none in a chain', () => {
    const a = sample('lambdas/core/jobs/a.ts', "import type { B } from './b.js';");
    const b = sample('lambdas/core/jobs/b.ts', "import { c } from './c.js';");
    const c = sample('lambdas/core/jobs/c.ts', "import { a } from './a.js';");
    expect(findCycles([a, b, c])).toEqual([
      [
        'lambdas/core/jobs/a.ts',
        'lambdas/core/jobs/b.ts',
        'lambdas/core/jobs/c.ts',
        'lambdas/core/jobs/a.ts',
      ],
    ]);
    expect(findCycles([a, b, sample('lambdas/core/jobs/c.ts', 'export const a = 1;')])).toEqual([]);
  });
});
