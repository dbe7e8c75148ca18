import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { delimiter, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Base URL of the moto_server started for the integration project, e.g. `http://127.0.0.1:40123`. */
    motoEndpoint: string;
  }
}

const HOST = '127.0.0.1';
const START_TIMEOUT_MS = 30_000;
const MOTO_VERSION = '5.2.1';

interface Launcher {
  readonly command: string;
  readonly args: readonly string[];
  readonly description: string;
}

const onPath = (name: string): string | undefined => {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // Not in this directory; keep looking.
    }
  }
  return undefined;
};

const succeeds = (command: string, args: readonly string[]): boolean =>
  spawnSync(command, args, { stdio: 'ignore', timeout: 120_000 }).status === 0;

const WRAPPER = fileURLToPath(new URL('./moto-serialized-server.py', import.meta.url));

const importsMoto = (python: string): boolean => succeeds(python, ['-c', 'import moto.server']);

/** The interpreter a pip-installed `moto_server` script runs with, from its shebang line. */
const shebangOf = (script: string): string | undefined => {
  const first = readFileSync(script, 'utf8').split('\n', 1)[0] ?? '';
  const match = /^#!\s*(\S+python[\d.]*)\s*$/.exec(first);
  return match?.[1];
};

/**
 * Finds a Python that can import moto, to run moto behind a DynamoDB request lock
 * (moto-serialized-server.py explains why): `python3`, the interpreter of `moto_server` on PATH,
 * or a project-local `.venv` (created on first use). Never installs anything globally.
 */
const findLauncher = (root: string): Launcher => {
  const candidates = ['python3'];
  const binary = onPath('moto_server');
  const interpreter = binary === undefined ? undefined : shebangOf(binary);
  if (interpreter !== undefined) candidates.push(interpreter);
  const venvPython = join(root, '.venv', 'bin', 'python');
  if (existsSync(venvPython)) candidates.push(venvPython);
  for (const python of candidates) {
    if (importsMoto(python)) return { command: python, args: [WRAPPER], description: `${python} ${WRAPPER}` };
  }
  const created =
    (existsSync(venvPython) || succeeds('python3', ['-m', 'venv', join(root, '.venv')])) &&
    succeeds(join(root, '.venv', 'bin', 'pip'), ['install', '--quiet', `moto[server]==${MOTO_VERSION}`]);
  if (created && importsMoto(venvPython)) {
    return { command: venvPython, args: [WRAPPER], description: `${venvPython} ${WRAPPER}` };
  }
  throw new Error(
    'Integration tests need moto_server (moto 5.2 with its server extra), and none was found: ' +
      'neither python3 nor the moto_server on PATH can import moto, and a local .venv could not be ' +
      `created. Install it with \`pip install 'moto[server]==${MOTO_VERSION}'\` ` +
      `(or \`pipx install 'moto[server]==${MOTO_VERSION}'\`) and re-run \`npm run test:integration\`.`,
  );
};

const freePort = (): Promise<number> =>
  new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, HOST, () => {
      const address = server.address();
      if (address === null || typeof address === 'string') {
        server.close();
        reject(new Error('could not read the port of a probe socket'));
        return;
      }
      server.close(() => resolvePort(address.port));
    });
  });

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const waitUntilAnswering = async (endpoint: string, child: ChildProcess, output: () => string) => {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`moto_server exited with code ${child.exitCode} before answering:\n${output()}`);
    }
    try {
      const response = await fetch(`${endpoint}/moto-api/`);
      if (response.ok) return;
    } catch {
      // Not listening yet.
    }
    await sleep(100);
  }
  throw new Error(`moto_server did not answer on ${endpoint} within ${START_TIMEOUT_MS} ms:\n${output()}`);
};

const stop = async (child: ChildProcess): Promise<void> => {
  if (child.exitCode !== null || child.pid === undefined) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  // The child leads its own process group, so a shim wrapper and the server both stop.
  process.kill(-child.pid, 'SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const timedOut = await Promise.race([
    exited.then(() => false),
    new Promise<boolean>((r) => {
      timer = setTimeout(() => r(true), 5_000);
    }),
  ]);
  // A pending timer would keep the vitest process alive after the run.
  clearTimeout(timer);
  if (timedOut && child.exitCode === null) process.kill(-child.pid, 'SIGKILL');
};

/**
 * Vitest global setup for the integration project: starts one moto_server on a free loopback
 * port, provides its URL as `motoEndpoint`, and stops it on teardown.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const launcher = findLauncher(resolve(project.config.root));
  const port = await freePort();
  const endpoint = `http://${HOST}:${port}`;
  let output = '';
  const child = spawn(launcher.command, [...launcher.args, '-H', HOST, '-p', String(port)], {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const collect = (chunk: Buffer) => {
    // Keep only the tail: request logs are noisy and only matter when startup fails.
    output = (output + chunk.toString()).slice(-4_000);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const spawnFailed = new Promise<never>((_, reject) =>
    child.once('error', (err) =>
      reject(new Error(`could not start ${launcher.description}`, { cause: err })),
    ),
  );
  try {
    await Promise.race([waitUntilAnswering(endpoint, child, () => output), spawnFailed]);
  } catch (err) {
    await stop(child);
    throw err;
  }
  project.provide('motoEndpoint', endpoint);
  return () => stop(child);
}
