import { describe, expect, it } from 'vitest';
import { findChromium } from '../support/find-chromium.js';

const none = () => false;
const bundled = async () => '/tmp/chromium';

describe('findChromium', () => {
  it('takes QM_CHROMIUM first, and refuses one that does not exist', async () => {
    const only = (p: string) => p === '/opt/chrome';
    expect(await findChromium({ QM_CHROMIUM: '/opt/chrome' }, only, bundled)).toEqual({
      executablePath: '/opt/chrome',
      source: 'QM_CHROMIUM',
    });
    await expect(findChromium({ QM_CHROMIUM: '/nope' }, none, bundled)).rejects.toThrow(
      'QM_CHROMIUM=/nope is not an executable file',
    );
  });

  it('prefers a system browser to the bundled one', async () => {
    const found = await findChromium({}, (p) => p === '/usr/bin/google-chrome', bundled);
    expect(found).toEqual({ executablePath: '/usr/bin/google-chrome', source: 'system' });
    expect(await findChromium({}, none, bundled)).toEqual({
      executablePath: '/tmp/chromium',
      source: '@sparticuz/chromium',
    });
  });

  it('says in one line what to install when no browser can be had', async () => {
    const failing = async () => {
      throw new Error('unpack failed');
    };
    await expect(findChromium({}, none, failing)).rejects.toThrow(
      /^no Chromium for the browser tests \(unpack failed\): install Debian's chromium \(apt-get install chromium\) or set QM_CHROMIUM/,
    );
  });
});
