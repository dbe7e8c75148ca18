import { type Browser, chromium, type Page } from 'playwright-core';
import { findChromium } from './find-chromium.js';

/**
 * A page showing `html` in headless Chromium with every network request aborted and recorded in
 * `attempted`, so a test can hold a self-contained page to needing nothing from outside.
 */
export const openBlockedPage = async (
  html: string,
): Promise<{ browser: Browser; page: Page; attempted: string[] }> => {
  const attempted: string[] = [];
  const { executablePath } = await findChromium();
  const browser = await chromium.launch({
    executablePath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  await context.route('**/*', async (route) => {
    attempted.push(route.request().url());
    await route.abort('blockedbyclient');
  });
  const page = await context.newPage();
  page.on('request', (request) => attempted.push(request.url()));
  await page.setContent(html, { waitUntil: 'load' });
  return { browser, page, attempted };
};
