import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

/** Debian's Chromium (package `chromium`; .ci/run installs it): a test tool's own browser download cannot reach its host. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * Headless, and quiet on the network: without the background-networking flags Chromium opens connections of its own
 * (component updates, sync, Google lookups) that this machine's closed network refuses, many at a time.
 */
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox', // the tests run as root, where Chromium's sandbox refuses to start
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

/** Where screenshots go: test-output/screenshots/ at the repository's root (ignored by git). */
export const SCREENSHOT_DIR = resolve(__dirname, '../../test-output/screenshots');

export interface BrowserSession {
  browser: Browser;
  context: BrowserContext;
  page: Page;
  /** Every request (HTTP or WebSocket) the page tried to send to a host other than the service's: refused. */
  refusedRequests: string[];
  /** Uncaught errors thrown in the page. */
  pageErrors: string[];
  close(): Promise<void>;
}

/**
 * A browser whose pages may talk only to `serviceUrl`'s host: any other host (a CDN, a font service, a telemetry
 * endpoint) is refused as an offline network would, and recorded, so a test can assert that the page needed none.
 */
export async function openBrowser(serviceUrl: string): Promise<BrowserSession> {
  const serviceHost = new URL(serviceUrl).host;
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `the browser tests drive Chromium at ${CHROMIUM_PATH}, which does not exist: install Debian's package (apt-get install chromium) or set CHROMIUM_PATH to a Chromium or Chrome binary`,
    );
  }
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true });
  const refusedRequests: string[] = [];
  const pageErrors: string[] = [];
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const isForeign = (url: URL | string) => {
      const parsed = typeof url === 'string' ? new URL(url) : url;
      return /^(https?|wss?):$/.test(parsed.protocol) && parsed.host !== serviceHost;
    };
    await context.route(isForeign, (route) => {
      refusedRequests.push(route.request().url());
      return route.abort('internetdisconnected');
    });
    await context.routeWebSocket(isForeign, (socket) => {
      refusedRequests.push(socket.url());
      return socket.close({ code: 1008, reason: 'offline test: foreign host refused' });
    });
    const page = await context.newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
    return { browser, context, page, refusedRequests, pageErrors, close: () => browser.close() };
  } catch (error) {
    await browser.close();
    throw error;
  }
}

/**
 * Saves a full-page PNG under test-output/screenshots/, named after the database the run uses so that the SQLite
 * and PostgreSQL passes keep one each. Returns the file's path.
 */
export async function saveScreenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const database = /^postgres/.test(process.env.DATABASE_URL ?? '') ? 'postgresql' : 'sqlite';
  const path = join(SCREENSHOT_DIR, `${name}-${database}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}
