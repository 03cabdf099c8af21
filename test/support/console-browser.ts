import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Browser, BrowserContext, chromium, Locator, Page } from 'playwright-core';
import { AdminApi } from './admin-api';
import { AppProcess } from './app-process';
import { waitFor } from './wait-for';

const ROOT = join(__dirname, '..', '..');

/** Debian's Chromium (`apt-get install chromium`; .ci/run installs it when missing). */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Screenshots of every console page the browser tests visit (git-ignored; the README's come from here). */
export const SCREENSHOT_DIR = join(ROOT, 'test-artifacts', 'console');

/**
 * Headless Chromium with a fresh temporary profile (playwright's default without a user data dir), no sandbox (CI
 * runs as root), and nothing that reaches out to the network on its own.
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
    ],
  });
}

export interface ConsoleSuite {
  admin: AppProcess;
  api: AdminApi;
  browser: Browser;
  /** Started when asked for (reconciliations need one). */
  worker?: AppProcess;
  /** A new tab on the console, in a context of its own. */
  openTab(): Promise<ConsoleTab>;
}

/**
 * The admin app (as production starts it, from the build), optionally a worker, and Chromium for one spec file:
 * started in beforeAll, stopped in afterAll. Use the returned object's fields inside tests.
 * `env` goes to both apps. A suite with a worker should give them a queue of their own (REDIS_KEY_PREFIX): a worker
 * on the shared queue would take other suites' jobs, and theirs its own.
 */
export function consoleSuite(options: { env?: Record<string, string>; worker?: boolean } = {}): ConsoleSuite {
  const suite = {
    openTab: () => ConsoleTab.open(suite.browser, suite.admin.url),
  } as ConsoleSuite;
  beforeAll(async () => {
    // Settled together, so that afterAll stops what did start when another failed (no Chromium, say): an app nobody
    // stops outlives the test run.
    const [admin, browser, worker] = await Promise.allSettled([
      AppProcess.start('admin', options.env),
      launchChromium(),
      options.worker ? AppProcess.start('worker', options.env) : Promise.resolve(undefined),
    ]);
    suite.admin = valueOf(admin)!;
    suite.browser = valueOf(browser)!;
    suite.worker = valueOf(worker);
    for (const started of [admin, browser, worker]) if (started.status === 'rejected') throw started.reason;
    suite.api = new AdminApi(suite.admin.url);
  });
  afterAll(async () => {
    await suite.browser?.close();
    await Promise.all([suite.admin?.stop(), suite.worker?.stop()]);
  });
  return suite;
}

function valueOf<T>(settled: PromiseSettledResult<T>): T | undefined {
  return settled.status === 'fulfilled' ? settled.value : undefined;
}

/** A short random tag that makes a test's names its own. */
export function uniqueTag(): string {
  return randomBytes(5).toString('hex');
}

/**
 * One browser tab on the console, in a context of its own (no storage shared with other tests). Uncaught page errors
 * are collected and fail the test in close().
 */
export class ConsoleTab {
  readonly errors: string[] = [];

  private constructor(
    readonly context: BrowserContext,
    readonly page: Page,
    readonly adminUrl: string,
  ) {
    page.on('pageerror', (error) => this.errors.push(error.stack ?? error.message));
  }

  static async open(browser: Browser, adminUrl: string): Promise<ConsoleTab> {
    const context = await browser.newContext({ viewport: { width: 1360, height: 900 }, baseURL: adminUrl });
    // Waiting for elements, never for time: every expectation below waits up to this long for the page to catch up.
    context.setDefaultTimeout(15_000);
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: adminUrl });
    return new ConsoleTab(context, await context.newPage(), adminUrl);
  }

  /** Opens the console at `path` (under /console) and signs in with `token` through the form. */
  async signIn(token: string, path = '/'): Promise<void> {
    await this.page.goto(`/console${path === '/' ? '' : path}`);
    await this.page.getByLabel('Staff token').fill(token);
    await this.page.getByRole('button', { name: 'Sign in' }).click();
    await this.page.getByRole('button', { name: 'Sign out' }).waitFor();
  }

  /** Follows a link of the main navigation. */
  async navigate(section: string): Promise<void> {
    await this.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: section, exact: true }).click();
    await this.page.getByRole('heading', { level: 1 }).waitFor();
  }

  /** The page (whole, or what the window shows) as test-artifacts/console/<name>.png. */
  async screenshot(name: string, { fullPage = true } = {}): Promise<void> {
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    // Let charts and transitions settle on what the page shows: no spinner left.
    await this.page.locator('.mantine-Loader-root').first().waitFor({ state: 'detached' }).catch(() => undefined);
    await this.page.screenshot({ path: join(SCREENSHOT_DIR, `${name}.png`), fullPage, animations: 'disabled' });
  }

  async close(): Promise<void> {
    await this.context.close();
    expect(this.errors).toEqual([]);
  }
}

/** How long a page may take to show what a test waits for (a loaded machine, a worker picking up a job). */
const UI_TIMEOUT_MS = 15_000;

function matches(text: string, expected: string | RegExp): boolean {
  return typeof expected === 'string' ? text === expected : expected.test(text);
}

/** The text as rendered (innerText), with every run of white space as one space. */
async function shownText(locator: Locator): Promise<string> {
  return (await locator.innerText({ timeout: UI_TIMEOUT_MS })).replace(/\s+/g, ' ').trim();
}

/**
 * Waits until the element (exactly one) shows `expected` as its whole text (white space collapsed). jest has no
 * web-first assertions: this is one, polling the page rather than sleeping.
 */
export async function expectText(locator: Locator, expected: string | RegExp): Promise<void> {
  let last = '';
  try {
    await waitFor(async () => matches((last = await shownText(locator)), expected), UI_TIMEOUT_MS);
  } catch (error) {
    throw new Error(`${String(locator)} shows ${JSON.stringify(last)}, not ${String(expected)}: ${(error as Error).message}`);
  }
}

/** Waits until the elements show exactly these texts, in order. */
export async function expectTexts(locator: Locator, expected: string[]): Promise<void> {
  let last: string[] = [];
  try {
    await waitFor(async () => {
      last = (await locator.allInnerTexts()).map((text) => text.replace(/\s+/g, ' ').trim());
      return JSON.stringify(last) === JSON.stringify(expected);
    }, UI_TIMEOUT_MS);
  } catch (error) {
    throw new Error(`${String(locator)} shows ${JSON.stringify(last)}, not ${JSON.stringify(expected)}: ${(error as Error).message}`);
  }
}

/** Waits until exactly `count` elements match. */
export async function expectCount(locator: Locator, count: number): Promise<void> {
  let last = -1;
  try {
    await waitFor(async () => (last = await locator.count()) === count, UI_TIMEOUT_MS);
  } catch (error) {
    throw new Error(`${String(locator)} matches ${last} elements, not ${count}: ${(error as Error).message}`);
  }
}

/**
 * Presses Tab (or Shift+Tab) until `target` has the keyboard focus, as a keyboard user moves through the page; fails
 * after `presses` presses.
 */
export async function tabTo(page: Page, target: Locator, key: 'Tab' | 'Shift+Tab' = 'Tab', presses = 40): Promise<void> {
  for (let i = 0; i < presses; i++) {
    if (await target.evaluate((element) => element === element.ownerDocument.activeElement)) return;
    await page.keyboard.press(key);
  }
  throw new Error(`${String(target)} was not reached with ${presses} presses of ${key}`);
}

/** A pattern matching `text` anywhere, for expectText (an alert's text is its title and the API's message). */
export function containing(text: string): RegExp {
  return new RegExp(text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
}

/** Waits until the API (or anything) reports what the page said it did. */
export function eventually<T>(check: () => Promise<T> | T): Promise<NonNullable<T>> {
  return waitFor(check, UI_TIMEOUT_MS);
}
