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
  /** Repository-relative POSIX path, e.g. `lambdas/core/plan.ts`. */
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

/**
 * Reads a file with the TypeScript parser, so that comments, strings and regular expressions are
 * never mistaken for code, and collects its module references and its uses of ambient state.
 */
const analyse = (file: SourceFile): { imports: ImportRef[]; code: CodeFinding[] } => {
  const source = ts.createSourceFile(file.path, file.text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const lineOf = (node: ts.Node) => source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1;
  const imports: ImportRef[] = [];
  const code: CodeFinding[] = [];
  const addImport = (specifier: string | null, node: ts.Node) => {
    if (specifier === null) return;
    const target = specifier.startsWith('.')
      ? posix.normalize(posix.join(posix.dirname(file.path), specifier))
      : null;
    imports.push({ specifier, target, line: lineOf(node) });
  };
  const addCode = (rule: string, node: ts.Node) =>
    code.push({ rule, found: node.getText(source), line: lineOf(node) });
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) {
      addImport(literalText(node.moduleSpecifier), node);
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      addImport(literalText(node.moduleReference.expression), node);
    } else if (
      ts.isCallExpression(node) &&
      (node.expression.kind === ts.SyntaxKind.ImportKeyword || isNamed(node.expression, 'require'))
    ) {
      addImport(literalText(node.arguments[0]), node);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
      addImport(literalText(node.argument.literal), node);
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
    expect(core.map((f) => f.path)).toContain('lambdas/core/job-request.ts');
  });

  it('keeps lambdas/core pure: no SDKs, I/O, environment, clock, randomness or outer layers', () => {
    const found = findViolations(core).map(formatViolation);
    expect(found, found.join('\n')).toEqual([]);
  });

  it('keeps lib/ out of lambdas and handlers out of adapters', () => {
    const found = findViolations(lambdas).map(formatViolation);
    expect(found, found.join('\n')).toEqual([]);
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
      "import { h } from '../handlers/solve.js';\nimport { s } from '../../lib/stack.js';\nimport { c } from '../core/plan.js';",
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
});
