import { accessSync, constants } from 'node:fs';

/** Where a browser for the e2e tests came from, for the test log. */
export interface FoundChromium {
  readonly executablePath: string;
  readonly source: string;
}

const executable = (path: string): boolean => {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

/** Browsers a machine may already have, in the order they are tried after `QM_CHROMIUM`. */
export const SYSTEM_CHROMIUM_PATHS = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
  '/usr/bin/google-chrome-stable',
] as const;

/**
 * A Chromium to drive with playwright-core, found the way the harness finds moto: `QM_CHROMIUM`
 * when set (it must exist), else a system browser, else the Chromium shipped inside the
 * `@sparticuz/chromium` dev dependency (unpacked once to the temp folder). Fails with one line
 * saying what to install when none can be had, so `npm test` never half-runs.
 */
export const findChromium = async (
  env: NodeJS.ProcessEnv = process.env,
  isExecutable: (path: string) => boolean = executable,
  bundled: () => Promise<string> = async () => (await import('@sparticuz/chromium')).default.executablePath(),
): Promise<FoundChromium> => {
  const configured = env.QM_CHROMIUM;
  if (configured !== undefined && configured !== '') {
    if (!isExecutable(configured)) throw new Error(`QM_CHROMIUM=${configured} is not an executable file`);
    return { executablePath: configured, source: 'QM_CHROMIUM' };
  }
  const system = SYSTEM_CHROMIUM_PATHS.find(isExecutable);
  if (system !== undefined) return { executablePath: system, source: 'system' };
  try {
    return { executablePath: await bundled(), source: '@sparticuz/chromium' };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(
      `no Chromium for the browser tests (${reason}): install Debian's chromium (apt-get install chromium) or set QM_CHROMIUM to a Chromium binary`,
    );
  }
};
