import { join } from 'node:path';
import type { Duration } from 'aws-cdk-lib';
import type { IRole } from 'aws-cdk-lib/aws-iam';
import { Architecture, Code, Function as LambdaFunction, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat, SourceMapMode } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { ILogGroup } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import {
  BUNDLE_ALIASES,
  BUNDLE_TARGET,
  ESM_REQUIRE_BANNER,
  EXTERNAL_MODULES,
  entryOf,
  type HandlerName,
  MAIN_FIELDS,
  RUNTIME_ASSETS,
} from './bundle-settings.js';

/** The Lambda runtime every function uses; nodejs20.x is flagged by cfn-lint as nearing deprecation. */
export const HANDLER_RUNTIME = Runtime.NODEJS_22_X;
/** Graviton: cheaper per GB-second than x86 and the code has no native dependencies. */
export const HANDLER_ARCHITECTURE = Architecture.ARM_64;

export interface HandlerFunctionProps {
  readonly name: HandlerName;
  readonly functionName: string;
  readonly role: IRole;
  readonly timeout: Duration;
  readonly memorySize: number;
  readonly environment: Readonly<Record<string, string>>;
  readonly logGroup: ILogGroup;
  readonly reservedConcurrentExecutions?: number;
  /** See `QuartermasterProps.prebundledCodeDir`. */
  readonly prebundledCodeDir?: string;
  /** Repository root, where `lambdas/` and `package-lock.json` are. */
  readonly projectRoot: string;
}

/**
 * One handler as a Lambda function: nodejs22.x on ARM64, X-Ray active tracing, source maps, its
 * own role and log group. Bundled by local esbuild (never Docker) unless pre-bundled code is given.
 */
export const createHandlerFunction = (scope: Construct, id: string, props: HandlerFunctionProps) => {
  const common = {
    functionName: props.functionName,
    runtime: HANDLER_RUNTIME,
    architecture: HANDLER_ARCHITECTURE,
    tracing: Tracing.ACTIVE,
    role: props.role,
    timeout: props.timeout,
    memorySize: props.memorySize,
    logGroup: props.logGroup,
    // Stack traces point into the TypeScript sources instead of the minified bundle.
    environment: { ...props.environment, NODE_OPTIONS: '--enable-source-maps' },
    ...(props.reservedConcurrentExecutions === undefined
      ? {}
      : { reservedConcurrentExecutions: props.reservedConcurrentExecutions }),
  };
  if (props.prebundledCodeDir !== undefined) {
    return new LambdaFunction(scope, id, {
      ...common,
      code: Code.fromAsset(join(props.prebundledCodeDir, props.name)),
      handler: 'index.handler',
    });
  }
  const assets = RUNTIME_ASSETS[props.name] ?? [];
  return new NodejsFunction(scope, id, {
    ...common,
    entry: join(props.projectRoot, entryOf(props.name)),
    handler: 'handler',
    projectRoot: props.projectRoot,
    depsLockFilePath: join(props.projectRoot, 'package-lock.json'),
    bundling: {
      forceDockerBundling: false,
      format: OutputFormat.ESM,
      target: BUNDLE_TARGET,
      minify: true,
      sourceMap: true,
      sourceMapMode: SourceMapMode.EXTERNAL,
      sourcesContent: false,
      mainFields: [...MAIN_FIELDS],
      externalModules: [...EXTERNAL_MODULES],
      bundleAwsSDK: EXTERNAL_MODULES.length === 0,
      banner: ESM_REQUIRE_BANNER,
      // `--alias:<module>=<path>`; esbuild runs in projectRoot, which relative paths start from.
      esbuildArgs: {
        '--alias': Object.entries(BUNDLE_ALIASES).map(([module, path]) => `${module}=${path}`),
      },
      commandHooks: {
        beforeBundling: () => [],
        beforeInstall: () => [],
        afterBundling: (inputDir: string, outputDir: string) =>
          assets.map((asset) => `cp "${join(inputDir, asset)}" "${outputDir}/"`),
      },
    },
  });
};
